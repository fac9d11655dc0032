//! Reading the target's memory. Every read is followed by an `ID_VALID`
//! check in the caller before the bytes are used: the target may have died
//! and its pid been reused, or been interrupted, in between.

use std::io::IoSliceMut;

use nix::sys::uio::{RemoteIoVec, process_vm_readv};
use nix::unistd::Pid;

/// Longest path we read (PATH_MAX).
pub const MAX_PATH: usize = 4096;

/// Reads exactly `len` bytes at `addr`.
pub fn read_bytes(pid: u32, addr: u64, len: usize) -> Option<Vec<u8>> {
    if addr == 0 {
        return None;
    }
    let mut buf = vec![0u8; len];
    let n = process_vm_readv(
        Pid::from_raw(pid as i32),
        &mut [IoSliceMut::new(&mut buf)],
        &[RemoteIoVec {
            base: addr as usize,
            len,
        }],
    )
    .ok()?;
    (n == len).then_some(buf)
}

/// Reads `len` bytes at `addr`; zero bytes need no readable address.
pub fn read_bytes_or_empty(pid: u32, addr: u64, len: usize) -> Option<Vec<u8>> {
    if len == 0 {
        return Some(Vec::new());
    }
    read_bytes(pid, addr, len)
}

/// Reads a NUL-terminated string at `addr`, page by page (a string may end
/// just before an unmapped page), at most `max` bytes.
pub fn read_cstr(pid: u32, addr: u64, max: usize) -> Option<Vec<u8>> {
    if addr == 0 {
        return None;
    }
    const PAGE: u64 = 4096;
    let mut out = Vec::with_capacity(256);
    let mut cur = addr;
    while out.len() < max {
        let to_page_end = (PAGE - (cur % PAGE)) as usize;
        let want = to_page_end.min(max - out.len());
        let mut buf = vec![0u8; want];
        let n = process_vm_readv(
            Pid::from_raw(pid as i32),
            &mut [IoSliceMut::new(&mut buf)],
            &[RemoteIoVec {
                base: cur as usize,
                len: want,
            }],
        )
        .ok()?;
        if n == 0 {
            return None;
        }
        if let Some(end) = buf[..n].iter().position(|b| *b == 0) {
            out.extend_from_slice(&buf[..end]);
            return Some(out);
        }
        out.extend_from_slice(&buf[..n]);
        cur += n as u64;
    }
    None
}

/// Reads a NULL-terminated array of string pointers (argv). An array
/// that cannot be read whole, or has more than `max_items` entries, is
/// `None`: the decision must see every argument the kernel will pass.
pub fn read_argv(pid: u32, addr: u64, max_items: usize) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    if addr == 0 {
        return Some(out);
    }
    for i in 0..max_items as u64 {
        let ptr = read_bytes(pid, addr + i * 8, 8)?;
        let p = u64::from_ne_bytes(ptr.try_into().ok()?);
        if p == 0 {
            return Some(out);
        }
        out.push(read_cstr(pid, p, 128 * 1024)?);
    }
    None
}
