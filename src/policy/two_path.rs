//! Two-path file actions judged on every path they touch (SPEC R-23).
//!
//! A rule's path predicates read the action's `path`; a rename, a hard link
//! or an exchange also acts on a second path (`target`). Judging only `path`
//! let `rename(workspace/x, ~/.ssh/authorized_keys)` through a workspace
//! rule. So [`Policy::evaluate`](super::Policy::evaluate) judges the action
//! as written and then each of its *views* here, and the most restrictive
//! verdict stands (block > review > allow):
//!
//! | action | views besides the action itself |
//! |---|---|
//! | `rename` `path`=A `target`=B | `delete` A (its old name goes), `write` B (created or replaced) |
//! | `rename` + `"exchange": true` | the above, and the mirror: `rename` B→A, `delete` B, `write` A |
//! | `link` `path`=A (the file reached) `target`=B (the new name) | `create` B |
//! | `link` `path`=B `src_path`=A (the original's spelling, no `target`) | `link` A→B, `create` B |
//! | `copytree` `path`=B `src_path`=A (the original's) | `read` A |
//! | `symlink` `path`=L `target`=content | none: the link is created at `path` (the action itself); the content is only text until followed |
//!
//! A view is a copy of the action with `subtype` and `path` replaced; the
//! second path, `exchange`, `requested`, `flags` and `mode` are dropped (they
//! describe the action's own `path`), every other field (`layer`, `agent`,
//! `cwd`, …) is kept so that rules on them keep their meaning. The view's
//! subtype is what happens to that path, so a rule protecting it (by path,
//! or by `write`/`delete`) decides, and the capability gate asks for that
//! subtype's capability. A rename or link whose second path is missing is
//! refused: a path that could not be resolved is never allowed.

use std::ops::ControlFlow;

use serde_json::Value;

use crate::action::{Action, Field};

/// Which of the action's paths a view judges; names it in the verdict's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `path`: no prefix, as for a one-path action.
    Path,
    /// `target`: reasons read `target: …`.
    Target,
    /// `src_path` (the original's spelling of a link's file): `src_path: …`.
    SrcPath,
}

impl Side {
    /// The prefix of a reason decided by a view of this side.
    pub fn prefix(self) -> &'static str {
        match self {
            Side::Path => "",
            Side::Target => "target: ",
            Side::SrcPath => "src_path: ",
        }
    }
}

/// One more way of looking at a two-path action (collected by [`views`],
/// for tests; evaluation walks them with [`for_each_view`]).
#[cfg(test)]
#[derive(Debug, Clone)]
pub struct View {
    /// The derived action, normalized.
    pub action: Action,
    /// The path it judges.
    pub side: Side,
}

/// Reason of the refusal when a two-path action lacks one of its paths
/// (prefixed with the side, as every reason of a view).
pub const MISSING_PATH: &str = "missing_path: a rename or link is judged on both of its paths";

/// Whether `action` may have views: a cheap test so that one-path actions
/// pay one string comparison or two.
#[inline]
pub fn is_two_path(action: &Action) -> bool {
    action.type_text() == "file" && matches!(action.subtype_text(), "rename" | "link" | "copytree")
}

/// Whether the action swaps its two paths (`renameat2(RENAME_EXCHANGE)`).
/// Anything but a missing field or `false` counts: more paths are judged,
/// never fewer.
pub fn is_exchange(action: &Action) -> bool {
    !matches!(
        action.get(Field::Exchange),
        None | Some(Value::Null) | Some(Value::Bool(false))
    )
}

/// The views of `action` besides itself, in the order they are judged; empty
/// for a one-path action. `Err(side)` when the path of `side` is missing.
#[cfg(test)]
pub fn views(action: &Action) -> Result<Vec<View>, Side> {
    let mut out = Vec::new();
    for_each_view(action, |a, side| {
        out.push(View {
            action: a.clone(),
            side,
        });
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

/// Calls `f` with each view of `action` (see [`views`]) until it breaks.
/// This is what evaluation uses: the views are one scratch action rewritten
/// in turn (its inherited fields copied once), and no list is allocated.
pub fn for_each_view(
    action: &Action,
    mut f: impl FnMut(&Action, Side) -> ControlFlow<()>,
) -> Result<(), Side> {
    if !is_two_path(action) {
        return Ok(());
    }
    let path = action.text(Field::Path);
    let target = action.text(Field::Target);
    let src_path = action.text(Field::SrcPath);
    let mut scratch = inherit(action);
    macro_rules! emit {
        ($subtype:expr, $path:expr, $target:expr, $side:expr) => {
            scratch.set(Field::Subtype, $subtype);
            scratch.set(Field::Path, $path);
            scratch.set(Field::Target, $target);
            scratch.normalize();
            if f(&scratch, $side).is_break() {
                return Ok(());
            }
        };
    }
    match action.subtype_text() {
        "rename" => {
            let (Some(a), Some(b)) = (path, target) else {
                return Err(if path.is_none() {
                    Side::Path
                } else {
                    Side::Target
                });
            };
            emit!("delete", a, Value::Null, Side::Path);
            emit!("write", b, Value::Null, Side::Target);
            if is_exchange(action) {
                scratch.set(Field::Exchange, true);
                emit!("rename", b, a, Side::Target);
                scratch.remove(Field::Exchange);
                emit!("delete", b, Value::Null, Side::Target);
                emit!("write", a, Value::Null, Side::Path);
            }
            Ok(())
        }
        "link" => match (path, target, src_path) {
            (Some(_), Some(b), _) => {
                emit!("create", b, Value::Null, Side::Target);
                Ok(())
            }
            // The original's spelling: `path` is the new name, `src_path`
            // the file it reaches.
            (Some(b), None, Some(a)) => {
                emit!("link", a, b, Side::SrcPath);
                emit!("create", b, Value::Null, Side::Path);
                Ok(())
            }
            (None, _, _) => Err(Side::Path),
            (Some(_), None, None) => Err(Side::Target),
        },
        // `copytree(src, dst)` as the original spelled it: `path` is the
        // copy, `src_path` what is read. Without `src_path` there is nothing
        // more to judge (the layers of the rewrite do not produce it).
        _ => {
            if let Some(a) = src_path {
                emit!("read", a, Value::Null, Side::SrcPath);
            }
            Ok(())
        }
    }
}

/// Fields a view does not inherit: they describe the action's own paths.
const NOT_INHERITED: &[Field] = &[
    Field::Type,
    Field::Subtype,
    Field::Path,
    Field::Target,
    Field::SrcPath,
    Field::Exchange,
    Field::Requested,
    Field::Flags,
    Field::Mode,
];

/// A file action with the fields of `action` that views inherit: built
/// field by field rather than cloned, so the dropped fields and `extra`
/// (logged, never matched) cost nothing.
fn inherit(action: &Action) -> Action {
    let mut a = Action::default().with(Field::Type, "file");
    for f in Field::ALL {
        if !NOT_INHERITED.contains(f)
            && let Some(v) = action.get(*f)
        {
            a.set(*f, v.clone());
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn act(v: Value) -> Action {
        let mut a = Action::from_json(&v).unwrap();
        a.normalize();
        a
    }

    /// (subtype, path, target, side) of each view.
    fn summary(a: &Action) -> Vec<(String, String, Option<String>, Side)> {
        views(a)
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v.action.subtype_text().to_owned(),
                    v.action.text(Field::Path).unwrap_or("").to_owned(),
                    v.action.text(Field::Target).map(str::to_owned),
                    v.side,
                )
            })
            .collect()
    }

    fn row(
        s: &str,
        p: &str,
        t: Option<&str>,
        side: Side,
    ) -> (String, String, Option<String>, Side) {
        (s.to_owned(), p.to_owned(), t.map(str::to_owned), side)
    }

    #[test]
    fn one_path_actions_have_no_views() {
        for v in [
            json!({"type": "file", "subtype": "write", "path": "/a", "target": "/b"}),
            json!({"type": "file", "subtype": "symlink", "path": "/l", "target": "/etc/shadow"}),
            json!({"type": "network", "subtype": "connect", "host": "x", "port": 1}),
            json!({"type": "process", "subtype": "exec", "argv": ["ls"]}),
        ] {
            let a = act(v);
            assert!(views(&a).unwrap().is_empty(), "{}", a.canonical_json());
        }
    }

    #[test]
    fn rename_is_a_delete_and_a_write() {
        let a = act(json!({"type": "file", "subtype": "rename", "path": "/w/a",
                           "target": "/w/b", "layer": "kernel", "requested": "a"}));
        assert_eq!(
            summary(&a),
            [
                row("delete", "/w/a", None, Side::Path),
                row("write", "/w/b", None, Side::Target)
            ]
        );
        let v = views(&a).unwrap();
        // Other fields are kept; the ones about the source's spelling are not.
        assert_eq!(v[1].action.text(Field::Layer), Some("kernel"));
        assert_eq!(v[1].action.get(Field::Requested), None);
        assert!(v.iter().all(|v| v.action.is_normalized()));
    }

    #[test]
    fn exchange_judges_both_sides_both_ways() {
        let a = act(json!({"type": "file", "subtype": "rename", "path": "/w/a",
                           "target": "/p/b", "exchange": true}));
        assert!(is_exchange(&a));
        assert_eq!(
            summary(&a),
            [
                row("delete", "/w/a", None, Side::Path),
                row("write", "/p/b", None, Side::Target),
                row("rename", "/p/b", Some("/w/a"), Side::Target),
                row("delete", "/p/b", None, Side::Target),
                row("write", "/w/a", None, Side::Path),
            ]
        );
        assert_eq!(
            views(&a).unwrap()[2].action.get(Field::Exchange),
            Some(&json!(true))
        );
        // Fail closed on odd spellings; only false or absent is a plain rename.
        for (x, want) in [
            (json!(false), false),
            (json!(1), true),
            (json!("yes"), true),
        ] {
            let a = act(json!({"type": "file", "subtype": "rename", "exchange": x}));
            assert_eq!(is_exchange(&a), want, "{x}");
        }
    }

    #[test]
    fn link_creates_its_new_name() {
        let a = act(json!({"type": "file", "subtype": "link", "path": "/p/f", "target": "/w/l"}));
        assert_eq!(summary(&a), [row("create", "/w/l", None, Side::Target)]);
        // The original's spelling: path = new name, src_path = the file.
        let a = act(json!({"type": "file", "subtype": "link", "path": "/w/l", "src_path": "/p/f"}));
        assert_eq!(
            summary(&a),
            [
                row("link", "/p/f", Some("/w/l"), Side::SrcPath),
                row("create", "/w/l", None, Side::Path)
            ]
        );
        let a =
            act(json!({"type": "file", "subtype": "copytree", "path": "/w/d", "src_path": "/p/d"}));
        assert_eq!(summary(&a), [row("read", "/p/d", None, Side::SrcPath)]);
    }

    #[test]
    fn missing_second_path_is_an_error() {
        for (v, side) in [
            (
                json!({"type": "file", "subtype": "rename", "path": "/a"}),
                Side::Target,
            ),
            (
                json!({"type": "file", "subtype": "rename", "target": "/b"}),
                Side::Path,
            ),
            (
                json!({"type": "file", "subtype": "link", "path": "/a"}),
                Side::Target,
            ),
            (json!({"type": "file", "subtype": "link"}), Side::Path),
        ] {
            assert_eq!(views(&act(v.clone())).unwrap_err(), side, "{v}");
        }
    }
}
