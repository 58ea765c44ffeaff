//! Path resolution, as path_resolution(7) describes it.
//!
//! A [`Path`] is where a walk arrived: a mount, an inode in it, its name, and
//! the path it was reached from (Linux's `struct path` plus the dentry chain).
//! Keeping the chain lets `..` go back up, across the mount boundary to the
//! directory a mount covers, and never above the process's root (chroot).

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::mount::{Mount, MountTree};
use super::perm::{MAY_EXEC, check_access};
use super::vfs::{FileType, INode, NAME_MAX, PATH_MAX};
use crate::error::{Errno, Result};
use crate::process::Credentials;

/// Symlinks followed in one resolution before ELOOP (Linux's MAXSYMLINKS).
pub const MAX_SYMLINKS: usize = 40;

#[derive(Clone)]
pub struct Path(Arc<Node>);

struct Node {
    mount: Arc<Mount>,
    inode: Arc<dyn INode>,
    name: String,
    parent: Option<Path>,
}

impl Path {
    /// The root of a mount tree.
    pub fn root_of(tree: &MountTree) -> Path {
        let mount = tree.root_mount();
        Path(Arc::new(Node { inode: mount.root().clone(), mount, name: String::new(), parent: None }))
    }

    /// A path to `inode` on `mount` with no parent: for objects reached
    /// through a magic link, such as nsfs files (which live on nsfs's
    /// internal mount in Linux too).
    pub fn detached(mount: Arc<Mount>, inode: Arc<dyn INode>, name: &str) -> Path {
        Path(Arc::new(Node { mount, inode, name: name.to_string(), parent: None }))
    }

    /// The same path with every mount replaced by its counterpart in a
    /// copied tree (`map`); mounts without one are kept. Used when a task
    /// enters a new mount namespace: its root and cwd move into the copy,
    /// as `copy_mnt_ns` does for `fs->root` and `fs->pwd`.
    pub fn remap(&self, map: &dyn Fn(&Arc<Mount>) -> Option<Arc<Mount>>) -> Path {
        Path(Arc::new(Node {
            mount: map(&self.0.mount).unwrap_or_else(|| self.0.mount.clone()),
            inode: self.0.inode.clone(),
            name: self.0.name.clone(),
            parent: self.0.parent.as_ref().map(|p| p.remap(map)),
        }))
    }

    pub fn inode(&self) -> &Arc<dyn INode> {
        &self.0.inode
    }

    pub fn mount(&self) -> &Arc<Mount> {
        &self.0.mount
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Same mount and same inode.
    pub fn same_as(&self, other: &Path) -> bool {
        self.0.mount.id() == other.0.mount.id() && self.0.inode.identity() == other.0.inode.identity()
    }

    /// The entry `name` in this directory, entering whatever is mounted on it.
    fn child(&self, tree: &MountTree, name: &str, inode: Arc<dyn INode>) -> Path {
        let mut path = Path(Arc::new(Node { mount: self.0.mount.clone(), inode, name: name.to_string(), parent: Some(self.clone()) }));
        while let Some(mounted) = tree.mounted_on(&path.0.mount, &path.0.inode) {
            path = Path(Arc::new(Node {
                inode: mounted.root().clone(),
                mount: mounted,
                name: name.to_string(),
                parent: path.0.parent.clone(),
            }));
        }
        path
    }

    /// `..`: the parent, but never above `root`.
    fn parent_within(&self, root: &Path) -> Path {
        if self.same_as(root) {
            return self.clone();
        }
        self.0.parent.clone().unwrap_or_else(|| self.clone())
    }

    /// The path as seen from `root`, for getcwd(2) and /proc: "/a/b".
    /// A path outside `root` (after chroot) is shown from the real root.
    pub fn absolute(&self, root: &Path) -> String {
        let mut names = Vec::new();
        let mut cursor = Some(self.clone());
        while let Some(path) = cursor {
            if path.same_as(root) {
                break;
            }
            if !path.0.name.is_empty() {
                names.push(path.0.name.clone());
            }
            cursor = path.0.parent.clone();
        }
        if names.is_empty() {
            return String::from("/");
        }
        let mut out = String::new();
        for name in names.iter().rev() {
            out.push('/');
            out.push_str(name);
        }
        out
    }
}

/// Everything a walk needs: the mounts, where "/" is, and who walks.
pub struct Resolver<'a> {
    pub tree: &'a MountTree,
    pub root: &'a Path,
    pub creds: &'a Credentials,
}

impl Resolver<'_> {
    /// Resolves `path` from `start` (the cwd or a dirfd). `follow` says
    /// whether a symlink as the last component is followed.
    pub fn resolve(&self, start: &Path, path: &str, follow: bool) -> Result<Path> {
        let (dir, last, trailing_slash) = self.walk_to_parent(start, path)?;
        match last {
            None => Ok(dir),
            Some(name) => {
                let mut links = 0;
                let found = self.step(&dir, &name, follow || trailing_slash, &mut links)?;
                if trailing_slash && found.inode().metadata().kind != FileType::Directory {
                    return Err(Errno::ENOTDIR.into());
                }
                Ok(found)
            }
        }
    }

    /// Resolves all but the last component: returns the directory and the
    /// last name (`None` when the path ends in "/", "." or ".."). For calls
    /// that create or remove the last component.
    pub fn resolve_parent(&self, start: &Path, path: &str) -> Result<(Path, Option<String>)> {
        let (dir, last, _) = self.walk_to_parent(start, path)?;
        Ok((dir, last))
    }

    /// Walks every component but the last. Returns (directory, last name,
    /// whether the path ended with a slash).
    fn walk_to_parent(&self, start: &Path, path: &str) -> Result<(Path, Option<String>, bool)> {
        if path.is_empty() {
            return Err(Errno::ENOENT.into());
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG.into());
        }
        let mut dir = if path.starts_with('/') { self.root.clone() } else { start.clone() };
        let mut parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        if parts.iter().any(|p| p.len() > NAME_MAX) {
            return Err(Errno::ENAMETOOLONG.into());
        }
        let trailing_slash = path.ends_with('/') && !parts.is_empty();
        let last = parts.pop();
        let mut links = 0;
        for part in parts {
            dir = self.step(&dir, part, true, &mut links)?;
        }
        match last {
            None => Ok((dir, None, false)),
            Some(".") | Some("..") => {
                let dir = self.step(&dir, last.unwrap_or("."), true, &mut links)?;
                Ok((dir, None, trailing_slash))
            }
            Some(name) => {
                self.check_searchable(&dir)?;
                Ok((dir, Some(name.to_string()), trailing_slash))
            }
        }
    }

    fn check_searchable(&self, dir: &Path) -> Result<()> {
        let meta = dir.inode().metadata();
        if meta.kind != FileType::Directory {
            return Err(Errno::ENOTDIR.into());
        }
        check_access(&meta, self.creds, MAY_EXEC)
    }

    /// One component from `dir`, following a symlink when `follow`.
    fn step(&self, dir: &Path, name: &str, follow: bool, links: &mut usize) -> Result<Path> {
        match self.lookup(dir, name, follow, links)? {
            Step::At(path) => Ok(path),
            Step::Link(target) => self.follow_link(dir, &target, links),
        }
    }

    /// Looks `name` up in `dir`; a symlink to follow comes back as its
    /// target, counted against `MAX_SYMLINKS`.
    fn lookup(&self, dir: &Path, name: &str, follow: bool, links: &mut usize) -> Result<Step> {
        self.check_searchable(dir)?;
        match name {
            "." => return Ok(Step::At(dir.clone())),
            ".." => return Ok(Step::At(dir.parent_within(self.root))),
            _ => {}
        }
        let inode = dir.inode().lookup(name)?;
        let child = dir.child(self.tree, name, inode);
        if !follow || child.inode().metadata().kind != FileType::Symlink {
            return Ok(Step::At(child));
        }
        *links += 1;
        if *links > MAX_SYMLINKS {
            return Err(Errno::ELOOP.into());
        }
        if let Some(target) = child.inode().magic_target() {
            return target.map(Step::At);
        }
        Ok(Step::Link(child.inode().read_link()?))
    }

    /// Resolves a symlink's `target` relative to the link's directory.
    /// Links met on the way are expanded in place on an explicit stack
    /// (Linux's `nd->stack` in fs/namei.c), not by recursion: a chain of
    /// 40 links costs heap, not kernel stack.
    fn follow_link(&self, dir: &Path, target: &str, links: &mut usize) -> Result<Path> {
        let mut cur = dir.clone();
        let mut pending: Vec<LinkWalk> = Vec::new();
        pending.push(LinkWalk::start(self, &mut cur, target)?);
        while let Some(walk) = pending.last_mut() {
            let Some(part) = walk.parts.pop() else {
                let must_be_dir = walk.must_be_dir;
                pending.pop();
                if must_be_dir && cur.inode().metadata().kind != FileType::Directory {
                    return Err(Errno::ENOTDIR.into());
                }
                continue;
            };
            match self.lookup(&cur, &part, true, links)? {
                Step::At(path) => cur = path,
                Step::Link(target) => pending.push(LinkWalk::start(self, &mut cur, &target)?),
            }
        }
        Ok(cur)
    }
}

/// What a lookup found: a place, or a symlink's target still to walk.
enum Step {
    At(Path),
    Link(String),
}

/// The components of one symlink's target still to walk, last first.
struct LinkWalk {
    parts: Vec<String>,
    /// The target ended in "/": it must name a directory.
    must_be_dir: bool,
}

impl LinkWalk {
    /// Starts walking `target` from `cur` (the link's directory), or from
    /// the root for an absolute target.
    fn start(resolver: &Resolver<'_>, cur: &mut Path, target: &str) -> Result<LinkWalk> {
        if target.is_empty() {
            return Err(Errno::ENOENT.into());
        }
        if target.starts_with('/') {
            *cur = resolver.root.clone();
        }
        let parts = target.split('/').filter(|c| !c.is_empty()).rev().map(String::from).collect();
        Ok(LinkWalk { parts, must_be_dir: target.ends_with('/') })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::mount::MountFlags;
    use crate::fs::ramfs::{RAMFS_MAGIC, RamFs};

    struct World {
        _fs: Arc<RamFs>,
        tree: Arc<MountTree>,
        root: Path,
        creds: Credentials,
    }

    fn world() -> World {
        let fs = RamFs::new(RAMFS_MAGIC, 0o755);
        let r = fs.root();
        let a = r.create("a", FileType::Directory, 0o755, 0, 0, 0).unwrap();
        let b = a.create("b", FileType::Directory, 0o755, 0, 0, 0).unwrap();
        b.create("f", FileType::Regular, 0o644, 0, 0, 0).unwrap();
        r.symlink("abs", "/a/b", 0, 0).unwrap();
        a.symlink("rel", "b/f", 0, 0).unwrap();
        r.symlink("loop", "loop", 0, 0).unwrap();
        r.create("mnt", FileType::Directory, 0o755, 0, 0, 0).unwrap();
        let tree = MountTree::new(r, "rootfs", "rootfs");
        let root = Path::root_of(&tree);
        World { _fs: fs, tree, root, creds: Credentials::root() }
    }

    impl World {
        fn resolver(&self) -> Resolver<'_> {
            Resolver { tree: &self.tree, root: &self.root, creds: &self.creds }
        }
    }

    #[test]
    fn link_chains_expand_in_place_up_to_forty_links() {
        let w = world();
        let root = w.tree.root_mount().root().clone();
        // c0 -> c1 -> ... -> c39 -> a/b: 40 links in all; d0 -> ... one more.
        for i in 0..40 {
            let target = if i == 39 { String::from("a/b") } else { alloc::format!("c{}", i + 1) };
            root.symlink(&alloc::format!("c{i}"), &target, 0, 0).unwrap();
        }
        root.symlink("d", "c0", 0, 0).unwrap();
        // A link in the middle of a target, and a trailing slash.
        root.symlink("mid", "abs/../b/f", 0, 0).unwrap();
        root.symlink("slash", "a/b/f/", 0, 0).unwrap();
        let r = w.resolver();
        assert_eq!(r.resolve(&w.root, "/c0/f", true).unwrap().absolute(&w.root), "/a/b/f");
        assert_eq!(r.resolve(&w.root, "/d/f", true).err().unwrap().errno, Errno::ELOOP);
        assert_eq!(r.resolve(&w.root, "/mid", true).unwrap().absolute(&w.root), "/a/b/f");
        assert_eq!(r.resolve(&w.root, "/slash", true).err().unwrap().errno, Errno::ENOTDIR);
    }

    #[test]
    fn walks_dots_symlinks_and_reports_errors() {
        let w = world();
        let r = w.resolver();
        let f = r.resolve(&w.root, "/a/./b/../b/f", true).unwrap();
        assert_eq!(f.absolute(&w.root), "/a/b/f");
        assert_eq!(r.resolve(&w.root, "/abs/f", true).unwrap().absolute(&w.root), "/a/b/f");
        assert_eq!(r.resolve(&w.root, "a/rel", true).unwrap().absolute(&w.root), "/a/b/f");
        let link = r.resolve(&w.root, "a/rel", false).unwrap();
        assert_eq!(link.inode().metadata().kind, FileType::Symlink);
        assert_eq!(r.resolve(&w.root, "/loop", true).err().unwrap().errno, Errno::ELOOP);
        assert_eq!(r.resolve(&w.root, "/nope", true).err().unwrap().errno, Errno::ENOENT);
        assert_eq!(r.resolve(&w.root, "/a/b/f/x", true).err().unwrap().errno, Errno::ENOTDIR);
        assert_eq!(r.resolve(&w.root, "/a/b/f/", true).err().unwrap().errno, Errno::ENOTDIR);
        assert_eq!(r.resolve(&w.root, "", true).err().unwrap().errno, Errno::ENOENT);
        let long = "x".repeat(256);
        assert_eq!(r.resolve(&w.root, &long, true).err().unwrap().errno, Errno::ENAMETOOLONG);
        assert_eq!(r.resolve(&w.root, "/..", true).unwrap().absolute(&w.root), "/");
    }

    #[test]
    fn dotdot_stops_at_a_chroot_and_crosses_mounts() {
        let w = world();
        let r = w.resolver();
        let b = r.resolve(&w.root, "/a/b", true).unwrap();
        let jail = Resolver { tree: &w.tree, root: &b, creds: &w.creds };
        assert!(jail.resolve(&b, "../../..", true).unwrap().same_as(&b));
        assert_eq!(jail.resolve(&b, "/f", true).unwrap().absolute(&b), "/f");

        let mnt = r.resolve(&w.root, "/mnt", true).unwrap();
        let other = RamFs::new(RAMFS_MAGIC, 0o755);
        other.root().create("inside", FileType::Regular, 0o644, 0, 0, 0).unwrap();
        w.tree.mount(mnt.mount(), mnt.inode().clone(), "/mnt", other.root(), "tmpfs", "tmpfs", MountFlags::empty()).unwrap();
        let inside = r.resolve(&w.root, "/mnt/inside", true).unwrap();
        assert_eq!(inside.absolute(&w.root), "/mnt/inside");
        let mounted = r.resolve(&w.root, "/mnt", true).unwrap();
        assert_ne!(mounted.mount().id(), w.root.mount().id(), "/mnt is the mounted file system's root");
        assert_eq!(r.resolve(&mounted, "../a", true).unwrap().absolute(&w.root), "/a");
        assert_eq!(r.resolve(&inside, "x", true).err().unwrap().errno, Errno::ENOTDIR);
    }

    #[test]
    fn search_permission_is_checked_for_non_root() {
        let w = world();
        let a = w.root.inode().lookup("a").unwrap();
        a.set_attr(crate::fs::vfs::SetAttr { perm: Some(0o700), ..Default::default() }).unwrap();
        let mut user = Credentials::root();
        user.setresuid(1000, 1000, 1000).unwrap();
        let r = Resolver { tree: &w.tree, root: &w.root, creds: &user };
        assert_eq!(r.resolve(&w.root, "/a/b", true).err().unwrap().errno, Errno::EACCES);
    }
}
