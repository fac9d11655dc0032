"""os.open: the dir_fd is noted for the native hook around the real call."""

import os
import sys
import tempfile
import threading
import unittest

import support
from support import _irongate

# What the fake had noted for this thread when CPython raised each `open`
# audit event (the native hook reads the note at exactly that point).
_seen_at_open = []
_watch = threading.local()


def _audit(event, args):
    if event == "open" and getattr(_watch, "on", False):
        _seen_at_open.append((args[0], _irongate.current_dir_fd()))


sys.addaudithook(_audit)


class OsOpen(unittest.TestCase):
    def setUp(self):
        _irongate.reset()
        del _seen_at_open[:]
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        with open(os.path.join(self.dir, "f.txt"), "w") as f:
            f.write("hello")
        self.dfd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY)
        _irongate.reset()

    def tearDown(self):
        os.close(self.dfd)
        self.tmp.cleanup()

    def watched(self, fn):
        _watch.on = True
        try:
            return fn()
        finally:
            _watch.on = False

    def test_dir_fd_is_noted_for_the_open_event_and_cleared(self):
        fd = self.watched(lambda: os.open("f.txt", os.O_RDONLY, dir_fd=self.dfd))
        try:
            self.assertEqual(os.read(fd, 5), b"hello")
        finally:
            os.close(fd)
        self.assertEqual(_seen_at_open, [("f.txt", self.dfd)])
        self.assertEqual(_irongate.calls_of("note_dir_fd"), [self.dfd, None])
        self.assertIsNone(_irongate.current_dir_fd())

    def test_positional_mode_and_keyword_arguments(self):
        fd = os.open("new.txt", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=self.dfd)
        os.close(fd)
        st = os.stat(os.path.join(self.dir, "new.txt"))
        self.assertEqual(st.st_mode & 0o777, 0o600)
        fd = os.open(path="k.txt", flags=os.O_WRONLY | os.O_CREAT, mode=0o640, dir_fd=self.dfd)
        os.close(fd)
        self.assertEqual(os.stat(os.path.join(self.dir, "k.txt")).st_mode & 0o777, 0o640)
        fd = os.open(os.path.join(self.dir, "p.txt"), os.O_WRONLY | os.O_CREAT, 0o604)
        os.close(fd)
        self.assertEqual(os.stat(os.path.join(self.dir, "p.txt")).st_mode & 0o777, 0o604)
        self.assertEqual(_irongate.calls_of("note_dir_fd"), [self.dfd, None, self.dfd, None])

    def test_without_dir_fd_nothing_is_noted(self):
        fd = self.watched(lambda: os.open(os.path.join(self.dir, "f.txt"), os.O_RDONLY))
        os.close(fd)
        self.assertEqual(_irongate.calls_of("note_dir_fd"), [])
        self.assertEqual(_seen_at_open, [(os.path.join(self.dir, "f.txt"), None)])

    def test_real_errors_unchanged_and_note_cleared(self):
        with self.assertRaises(FileNotFoundError):
            os.open("missing", os.O_RDONLY, dir_fd=self.dfd)
        self.assertIsNone(_irongate.current_dir_fd())
        with self.assertRaises(FileNotFoundError):
            os.open(os.path.join(self.dir, "missing"), os.O_RDONLY)
        with self.assertRaises(OSError):
            os.open("f.txt", os.O_RDONLY, dir_fd=987654)
        self.assertIsNone(_irongate.current_dir_fd())
        with self.assertRaises(TypeError):
            os.open("f.txt", os.O_RDONLY, dir_fd="nope")
        with self.assertRaises(TypeError):
            os.open(3.5, os.O_RDONLY, dir_fd=self.dfd)
        with self.assertRaises(TypeError):
            os.open("f.txt")
        self.assertIsNone(_irongate.current_dir_fd())

    def test_path_like_converted_before_the_note(self):
        events = []

        class Sneaky:
            def __fspath__(self):
                events.append(_irongate.current_dir_fd())
                return "f.txt"

        fd = self.watched(lambda: os.open(Sneaky(), os.O_RDONLY, dir_fd=self.dfd))
        os.close(fd)
        # __fspath__ ran before the note, and the open event saw the dir_fd.
        self.assertEqual(events, [None])
        self.assertEqual(_seen_at_open, [("f.txt", self.dfd)])

    def test_users_of_os_open(self):
        # shutil.rmtree walks with dir_fd; tempfile and Path.touch use os.open.
        import pathlib
        import shutil

        sub = os.path.join(self.dir, "tree", "a")
        os.makedirs(sub)
        pathlib.Path(sub, "x").touch()
        fd, name = tempfile.mkstemp(dir=sub)
        os.close(fd)
        _irongate.reset()
        shutil.rmtree(os.path.join(self.dir, "tree"))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "tree")))
        notes = _irongate.calls_of("note_dir_fd")
        self.assertTrue(notes and notes[-1] is None)

    def test_no_original_exposed(self):
        self.assertFalse(hasattr(os.open, "__wrapped__"))
        self.assertEqual(os.open.__name__, "open")
        self.assertEqual(os.open.__module__, "posix")

    def test_install_twice_does_not_wrap_twice(self):
        current = os.open
        support.irongate._enrich.install()
        self.assertIs(os.open, current)


if __name__ == "__main__":
    unittest.main()
