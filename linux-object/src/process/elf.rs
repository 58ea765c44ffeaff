//! Loading a static or static-PIE ELF executable for execve(2), and building
//! the initial stack. Mirrors Linux's `load_elf_binary` and
//! `create_elf_tables` (fs/binfmt_elf.c).
//!
//! The headers are parsed here with checked reads rather than with the
//! `xmas-elf` crate, because that crate slices its input without bounds
//! checks and a garbage file must give `ENOEXEC`, not a kernel panic.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::error::{Errno, Error, Result};
use crate::mm::{MmapSource, PAGE_SIZE, Prot, USER_STACK_SIZE, USER_STACK_TOP, VmSpace, VmaBacking, page_ceil, page_floor};

const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_PHDR: u32 = 6;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

/// Where a static-PIE program (ET_DYN) is placed, like Linux's ELF_ET_DYN_BASE.
pub const PIE_BASE: usize = 0x2a_0000_0000;
/// Where the program interpreter (dynamic loader) is placed.
const INTERP_BASE: usize = 0x30_0000_0000;

/// What differs between architectures for ELF loading.
pub struct ElfArch {
    /// `e_machine`: EM_RISCV (243) or EM_X86_64 (62).
    pub machine: u16,
    pub hwcap: usize,
    /// AT_PLATFORM string, if the architecture passes one.
    pub platform: Option<&'static str>,
    /// Machine code that calls rt_sigreturn, mapped read+exec at
    /// [`SIGRETURN_TRAMPOLINE`] in every process (Linux's vDSO provides the
    /// same on riscv64); empty when the C library brings its own (x86_64's
    /// SA_RESTORER).
    pub sigreturn_code: &'static [u8],
}

/// Where the signal-return trampoline page sits: in the gap between the
/// stack and the mmap area, at the same address in every process.
pub const SIGRETURN_TRAMPOLINE: usize = USER_STACK_TOP - USER_STACK_SIZE - 2 * PAGE_SIZE;

/// The parts of an ELF file header we use.
struct Header {
    kind: u16,
    entry: usize,
    phoff: usize,
    phentsize: usize,
    phnum: usize,
}

#[derive(Clone, Copy)]
struct Segment {
    kind: u32,
    flags: u32,
    offset: usize,
    vaddr: usize,
    filesz: usize,
    memsz: usize,
}

fn read_u16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at.checked_add(2)?)?.try_into().ok()?))
}
fn read_u32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at.checked_add(4)?)?.try_into().ok()?))
}
fn read_u64(data: &[u8], at: usize) -> Option<usize> {
    Some(u64::from_le_bytes(data.get(at..at.checked_add(8)?)?.try_into().ok()?) as usize)
}

fn noexec(msg: &'static str) -> Error {
    Error::with_message(Errno::ENOEXEC, msg)
}

/// How much of the file is read up front: the ELF header and, in every
/// binary we know, the program headers and PT_INTERP.
const HEAD_SIZE: usize = 4096;

/// An executable as the loader sees it: its first bytes in memory, the
/// rest read or mapped page by page when needed. Mapping whole pages of the
/// file privately (as Linux's `elf_map` does) means execve touches only the
/// pages the program uses, instead of copying the whole binary.
pub struct ElfFile {
    head: Vec<u8>,
    size: usize,
    /// The file; `None` when `head` is the whole file (tests, in-memory images).
    source: Option<Arc<dyn MmapSource>>,
}

impl ElfFile {
    /// A file held entirely in memory.
    pub fn from_bytes(data: Vec<u8>) -> ElfFile {
        ElfFile { size: data.len(), head: data, source: None }
    }

    /// A file read through `source`; only its first page is read now.
    pub fn from_source(source: Arc<dyn MmapSource>) -> Result<ElfFile> {
        let size = usize::try_from(source.size()).map_err(|_| Errno::EFBIG)?;
        let mut head = alloc::vec![0u8; size.min(HEAD_SIZE)];
        let n = source.read_at(0, &mut head)?;
        head.truncate(n);
        Ok(ElfFile { head, size, source: Some(source) })
    }

    /// The first bytes of the file (for `#!` and the ELF header).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// `len` bytes at `offset`; `ENOEXEC` past the end of the file.
    fn bytes(&self, offset: usize, len: usize) -> Result<Vec<u8>> {
        let end = offset.checked_add(len).filter(|&e| e <= self.size).ok_or(noexec("segment outside the file"))?;
        if end <= self.head.len() {
            return Ok(self.head[offset..end].to_vec());
        }
        let source = self.source.as_ref().ok_or(noexec("segment outside the file"))?;
        let mut out = crate::mm::zeroed_buffer(len)?;
        if source.read_at(offset as u64, &mut out)? != len {
            return Err(noexec("the file changed while loading"));
        }
        Ok(out)
    }
}

fn parse_header(data: &[u8], machine: u16) -> Result<Header> {
    if data.get(..4) != Some(b"\x7fELF") {
        return Err(noexec("not an ELF file"));
    }
    // ELFCLASS64, ELFDATA2LSB, EV_CURRENT
    if data.get(4..7) != Some(&[2, 1, 1]) {
        return Err(noexec("not a 64-bit little-endian ELF"));
    }
    let field = |at, f: fn(&[u8], usize) -> Option<usize>| f(data, at).ok_or(noexec("truncated ELF header"));
    let kind = read_u16(data, 16).ok_or(noexec("truncated ELF header"))?;
    if read_u16(data, 18) != Some(machine) {
        return Err(noexec("ELF for another machine"));
    }
    if kind != ET_EXEC && kind != ET_DYN {
        return Err(noexec("ELF is not an executable"));
    }
    let header = Header {
        kind,
        entry: field(24, read_u64)?,
        phoff: field(32, read_u64)?,
        phentsize: read_u16(data, 54).ok_or(noexec("truncated ELF header"))? as usize,
        phnum: read_u16(data, 56).ok_or(noexec("truncated ELF header"))? as usize,
    };
    if header.phentsize < 56 || header.phnum == 0 || header.phnum > 128 {
        return Err(noexec("bad program header table"));
    }
    Ok(header)
}

fn parse_segments(file: &ElfFile, header: &Header) -> Result<Vec<Segment>> {
    let table_len = header.phnum * header.phentsize;
    header.phoff.checked_add(table_len).ok_or(noexec("bad phoff"))?;
    let table = file.bytes(header.phoff, table_len).map_err(|_| noexec("program header outside the file"))?;
    let data = table.as_slice();
    (0..header.phnum)
        .map(|i| {
            let at = i * header.phentsize;
            let seg = (|| {
                Some(Segment {
                    kind: read_u32(data, at)?,
                    flags: read_u32(data, at.checked_add(4)?)?,
                    offset: read_u64(data, at.checked_add(8)?)?,
                    vaddr: read_u64(data, at.checked_add(16)?)?,
                    filesz: read_u64(data, at.checked_add(32)?)?,
                    memsz: read_u64(data, at.checked_add(40)?)?,
                })
            })();
            seg.ok_or(noexec("program header outside the file"))
        })
        .collect()
}

fn prot_of(flags: u32) -> Prot {
    let mut prot = Prot::empty();
    if flags & PF_R != 0 {
        prot |= Prot::READ;
    }
    if flags & PF_W != 0 {
        prot |= Prot::WRITE;
    }
    if flags & PF_X != 0 {
        prot |= Prot::EXEC;
    }
    prot
}

/// One image placed in memory.
struct Placed {
    entry: usize,
    bias: usize,
    phdr: usize,
    phnum: usize,
    end: usize,
}

/// Maps the PT_LOAD segments of `file` at `bias` (0 for ET_EXEC). Pages
/// that a segment's file bytes cover whole are mapped from the file
/// (private, read on first touch); the others are anonymous and get their
/// bytes copied, so a partial last page ends in zeros (the bss).
///
/// The work is per segment and per byte of file data, never per page of
/// memory: a segment with a 64 GiB bss is one lazy anonymous mapping, as
/// Linux's `elf_load` maps the bss with `vm_brk_flags`.
fn place(vm: &mut VmSpace, file: &ElfFile, header: &Header, segments: &[Segment], bias: usize, name: &str) -> Result<Placed> {
    // Page ranges mapped so far, and each segment's (range, rights).
    let mut mapped: Vec<(usize, usize)> = Vec::new();
    let mut rights: Vec<(usize, usize, Prot)> = Vec::new();
    let mut end = 0;
    let mut phdr = None;
    for seg in segments.iter().filter(|s| s.kind == PT_LOAD) {
        if seg.filesz > seg.memsz || seg.offset.checked_add(seg.filesz).is_none_or(|e| e > file.size) {
            return Err(noexec("segment outside the file"));
        }
        let start = bias.checked_add(seg.vaddr).ok_or(noexec("segment address overflows"))?;
        let seg_end = start.checked_add(seg.memsz).and_then(page_ceil).ok_or(noexec("segment address overflows"))?;
        if seg_end > USER_STACK_TOP - USER_STACK_SIZE {
            return Err(noexec("segment outside user memory"));
        }
        let file_end = start + seg.filesz;
        // Every page holding file bytes of this segment is mapped from the
        // file (page cache) when the file offset and the address agree
        // modulo the page size, as the ELF specification asks: the bytes
        // around the segment in its first and last page show the file, as
        // Linux's elf_map maps them; a bss tail is zeroed below (padzero).
        let mappable = file.source.is_some() && start % PAGE_SIZE == seg.offset % PAGE_SIZE;
        let from_file = if mappable {
            let lo = page_floor(start);
            let hi = page_ceil(file_end).unwrap_or(0);
            (lo < hi).then_some((lo, hi))
        } else {
            None
        };
        let range = (page_floor(start), seg_end);
        // Parts an earlier segment mapped already get this one's bytes
        // copied in; the gaps are mapped here.
        let mut copied: Vec<(usize, usize)> = Vec::new();
        for gap in gaps(range, &mapped) {
            for (piece, is_file) in split_by(gap, from_file) {
                let backing = match (&file.source, is_file) {
                    (Some(source), true) => {
                        // piece.0 may lie below start, within its page.
                        VmaBacking::File { source: source.clone(), offset: (seg.offset + piece.0 - start) as u64, shared: false, may_write: true }
                    }
                    _ => {
                        copied.push(piece);
                        VmaBacking::Anonymous
                    }
                };
                vm.mmap(piece.0, piece.1 - piece.0, Prot::READ | Prot::WRITE, false, true, backing, String::from(name))
                    .map_err(|e| if e.errno == Errno::EEXIST { noexec("segments overlap") } else { e })?;
            }
        }
        for &(lo, hi) in &mapped {
            if lo < range.1 && range.0 < hi {
                copied.push((lo.max(range.0), hi.min(range.1)));
            }
        }
        mapped.push(range);
        rights.push((range.0, range.1, prot_of(seg.flags)));
        // Copy this segment's file bytes into the pages not mapped from the file.
        for (from, to) in copied {
            let (lo, hi) = (from.max(start), to.min(file_end));
            if lo < hi {
                let bytes = file.bytes(seg.offset + (lo - start), hi - lo)?;
                vm.write_bytes(lo, &bytes)?;
            }
        }
        // The rest of the last file page is bss: zeros, not the file's next
        // bytes (a private copy of that page).
        if from_file.is_some() && seg.memsz > seg.filesz {
            let zero_end = page_ceil(file_end).unwrap_or(file_end).min(start + seg.memsz);
            if file_end < zero_end {
                vm.write_bytes(file_end, &alloc::vec![0u8; zero_end - file_end])?;
            }
        }
        if seg.offset == 0 {
            phdr.get_or_insert(start + header.phoff);
        }
        end = end.max(seg_end);
    }
    if end == 0 {
        return Err(noexec("no loadable segment"));
    }
    // Final protections: a page shared by two segments gets both rights.
    let mut bounds: Vec<usize> = rights.iter().flat_map(|&(lo, hi, _)| [lo, hi]).collect();
    bounds.sort_unstable();
    bounds.dedup();
    let mut runs: Vec<(usize, usize, Prot)> = Vec::new();
    for pair in bounds.windows(2) {
        let (lo, hi) = (pair[0], pair[1]);
        let covering = rights.iter().filter(|&&(a, b, _)| a <= lo && hi <= b);
        let Some(prot) = covering.map(|&(_, _, p)| p).reduce(|a, b| a | b) else { continue };
        match runs.last_mut() {
            Some((_, run_end, run_prot)) if *run_end == lo && *run_prot == prot => *run_end = hi,
            _ => runs.push((lo, hi, prot)),
        }
    }
    for (start, run_end, prot) in runs {
        vm.mprotect(start, run_end - start, prot)?;
    }
    if let Some(seg) = segments.iter().find(|s| s.kind == PT_PHDR) {
        phdr = Some(bias + seg.vaddr);
    }
    Ok(Placed { entry: bias + header.entry, bias, phdr: phdr.unwrap_or(0), phnum: header.phnum, end })
}

/// The parts of page range `range` that no range in `mapped` covers.
fn gaps(range: (usize, usize), mapped: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut taken: Vec<(usize, usize)> = mapped.iter().copied().filter(|&(lo, hi)| lo < range.1 && range.0 < hi).collect();
    taken.sort_unstable();
    let mut out = Vec::new();
    let mut cursor = range.0;
    for (lo, hi) in taken {
        if lo > cursor {
            out.push((cursor, lo.min(range.1)));
        }
        cursor = cursor.max(hi);
    }
    if cursor < range.1 {
        out.push((cursor, range.1));
    }
    out
}

/// `range` cut into the part inside `inner` (true) and the parts outside.
fn split_by(range: (usize, usize), inner: Option<(usize, usize)>) -> Vec<((usize, usize), bool)> {
    let Some((a, b)) = inner.filter(|&(a, b)| a < range.1 && range.0 < b) else { return alloc::vec![(range, false)] };
    let (a, b) = (a.max(range.0), b.min(range.1));
    [((range.0, a), false), ((a, b), true), ((b, range.1), false)].into_iter().filter(|((lo, hi), _)| lo < hi).collect()
}

/// The program interpreter (PT_INTERP) named by an executable, if any.
pub fn interpreter(file: &ElfFile, arch: &ElfArch) -> Result<Option<String>> {
    let header = parse_header(file.head(), arch.machine)?;
    let segments = parse_segments(file, &header)?;
    let Some(seg) = segments.iter().find(|s| s.kind == PT_INTERP) else { return Ok(None) };
    if seg.filesz > 4096 {
        return Err(noexec("PT_INTERP too long"));
    }
    let raw = file.bytes(seg.offset, seg.filesz).map_err(|_| noexec("PT_INTERP outside the file"))?;
    let path = raw.split(|&b| b == 0).next().unwrap_or(&[]);
    Ok(Some(String::from(core::str::from_utf8(path).map_err(|_| noexec("PT_INTERP is not UTF-8"))?)))
}

/// What execve(2) needs to start the new program.
pub struct ExecImage {
    pub entry: usize,
    pub stack_pointer: usize,
    /// Where the environment strings lie on the new stack (`[start, end)`,
    /// Linux's `mm->env_start`/`env_end`), for /proc/PID/environ.
    pub env: (usize, usize),
}

/// Values for the auxiliary vector that come from the caller.
pub struct AuxInfo {
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
    pub secure: bool,
    pub random: [u8; 16],
    pub execfn: Vec<u8>,
    /// RLIMIT_STACK's soft limit: the stack mapping's size, at most
    /// USER_STACK_SIZE (the room the layout leaves below the stack top).
    pub stack_limit: u64,
}

// auxv keys (include/uapi/linux/auxvec.h)
const AT_NULL: usize = 0;
const AT_PHDR: usize = 3;
const AT_PHENT: usize = 4;
const AT_PHNUM: usize = 5;
const AT_PAGESZ: usize = 6;
const AT_BASE: usize = 7;
const AT_FLAGS: usize = 8;
const AT_ENTRY: usize = 9;
const AT_UID: usize = 11;
const AT_EUID: usize = 12;
const AT_GID: usize = 13;
const AT_EGID: usize = 14;
const AT_PLATFORM: usize = 15;
const AT_HWCAP: usize = 16;
const AT_CLKTCK: usize = 17;
const AT_SECURE: usize = 23;
const AT_RANDOM: usize = 25;
const AT_HWCAP2: usize = 26;
const AT_EXECFN: usize = 31;

/// Loads `data` (and its interpreter, if `interp` is given) into the empty
/// address space `vm`, and builds the initial stack with argv, envp, auxv.
/// The page behind [`SIGRETURN_TRAMPOLINE`]: one frame for the whole
/// system, mapped privately into every process, as the vDSO image's pages
/// are (a write, after mprotect, gets a private copy). A fresh page per
/// execve would be written and then run anew each time.
struct TrampolinePage(Arc<crate::mm::Frame>);

impl MmapSource for TrampolinePage {
    fn page(&self, index: u64) -> Result<Arc<crate::mm::Frame>> {
        if index == 0 { Ok(self.0.clone()) } else { Err(Errno::EIO.into()) }
    }
    fn cached_pages(&self, range: core::ops::Range<u64>, out: &mut Vec<(u64, Arc<crate::mm::Frame>)>) {
        if range.contains(&0) {
            out.push((0, self.0.clone()));
        }
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let start = (offset as usize).min(PAGE_SIZE);
        let n = buf.len().min(PAGE_SIZE - start);
        self.0.read(start, &mut buf[..n]);
        Ok(n)
    }
    fn size(&self) -> u64 {
        PAGE_SIZE as u64
    }
    fn file_id(&self) -> usize {
        self as *const TrampolinePage as usize
    }
}

/// The trampoline page holding `code`, made on first use.
fn trampoline(code: &'static [u8]) -> Result<Arc<dyn MmapSource>> {
    static PAGE: crate::sync::Mutex<Option<(usize, Arc<TrampolinePage>)>> = crate::sync::Mutex::new(None);
    let mut page = PAGE.lock();
    if let Some((key, source)) = page.as_ref() {
        if *key == code.as_ptr() as usize {
            return Ok(source.clone());
        }
    }
    let frame = crate::mm::Frame::new_zeroed()?;
    frame.write(0, &code[..code.len().min(PAGE_SIZE)]);
    let source = Arc::new(TrampolinePage(Arc::new(frame)));
    *page = Some((code.as_ptr() as usize, source.clone()));
    Ok(source)
}

pub fn load(
    vm: &mut VmSpace,
    file: &ElfFile,
    interp: Option<&ElfFile>,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    aux: &AuxInfo,
    arch: &ElfArch,
) -> Result<ExecImage> {
    let header = parse_header(file.head(), arch.machine)?;
    let segments = parse_segments(file, &header)?;
    let bias = if header.kind == ET_DYN { PIE_BASE } else { 0 };
    let program = place(vm, file, &header, &segments, bias, "")?;
    vm.init_brk(program.end);

    let interp = match interp {
        Some(idata) => {
            let iheader = parse_header(idata.head(), arch.machine)?;
            let isegments = parse_segments(idata, &iheader)?;
            let ibias = if iheader.kind == ET_DYN { INTERP_BASE } else { 0 };
            Some(place(vm, idata, &iheader, &isegments, ibias, "")?)
        }
        None => None,
    };

    if !arch.sigreturn_code.is_empty() {
        let backing = VmaBacking::File { source: trampoline(arch.sigreturn_code)?, offset: 0, shared: false, may_write: true };
        vm.mmap(SIGRETURN_TRAMPOLINE, PAGE_SIZE, Prot::READ | Prot::EXEC, true, false, backing, String::from("[vdso]"))?;
    }

    // The stack mapping: RLIMIT_STACK bytes under the top, faulted in lazily.
    let stack_size = (aux.stack_limit.min(USER_STACK_SIZE as u64) as usize).max(32 * PAGE_SIZE) & !(PAGE_SIZE - 1);
    let stack_bottom = USER_STACK_TOP - stack_size;
    vm.mmap(stack_bottom, stack_size, Prot::READ | Prot::WRITE, true, false, VmaBacking::Anonymous, String::from("[stack]"))?;

    let mut sp = USER_STACK_TOP;
    let mut push_bytes = |vm: &mut VmSpace, bytes: &[u8], nul: bool| -> Result<usize> {
        sp -= bytes.len() + nul as usize;
        vm.write_bytes(sp, bytes)?;
        if nul {
            vm.write_bytes(sp + bytes.len(), &[0])?;
        }
        Ok(sp)
    };
    let execfn = push_bytes(vm, &aux.execfn, true)?;
    let mut env_ptrs = Vec::with_capacity(envp.len());
    for env in envp.iter().rev() {
        env_ptrs.push(push_bytes(vm, env, true)?);
    }
    env_ptrs.reverse();
    // The strings are contiguous, up to the execfn string pushed before them.
    let env_range = (env_ptrs.first().copied().unwrap_or(execfn), execfn);
    let mut arg_ptrs = Vec::with_capacity(argv.len());
    for arg in argv.iter().rev() {
        arg_ptrs.push(push_bytes(vm, arg, true)?);
    }
    arg_ptrs.reverse();
    let platform = match arch.platform {
        Some(p) => push_bytes(vm, p.as_bytes(), true)?,
        None => 0,
    };
    let random = push_bytes(vm, &aux.random, false)?;

    let mut auxv = alloc::vec![
        (AT_PHDR, program.phdr),
        (AT_PHENT, 56),
        (AT_PHNUM, program.phnum),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_BASE, interp.as_ref().map_or(0, |i| i.bias)),
        (AT_FLAGS, 0),
        (AT_ENTRY, program.entry),
        (AT_UID, aux.uid as usize),
        (AT_EUID, aux.euid as usize),
        (AT_GID, aux.gid as usize),
        (AT_EGID, aux.egid as usize),
        (AT_HWCAP, arch.hwcap),
        (AT_HWCAP2, 0),
        (AT_CLKTCK, 100),
        (AT_SECURE, aux.secure as usize),
        (AT_RANDOM, random),
        (AT_EXECFN, execfn),
    ];
    if platform != 0 {
        auxv.push((AT_PLATFORM, platform));
    }
    auxv.push((AT_NULL, 0));

    // argc, argv[], NULL, envp[], NULL, auxv pairs — 16-byte aligned at argc.
    let words = 1 + arg_ptrs.len() + 1 + env_ptrs.len() + 1 + 2 * auxv.len();
    sp = (sp - words * 8) & !15;
    let mut table: Vec<u8> = Vec::with_capacity(words * 8);
    let mut push_word = |w: usize| table.extend_from_slice(&(w as u64).to_le_bytes());
    push_word(arg_ptrs.len());
    arg_ptrs.iter().for_each(|&p| push_word(p));
    push_word(0);
    env_ptrs.iter().for_each(|&p| push_word(p));
    push_word(0);
    for (key, value) in auxv {
        push_word(key);
        push_word(value);
    }
    vm.write_bytes(sp, &table)?;

    Ok(ExecImage { entry: interp.map_or(program.entry, |i| i.entry), stack_pointer: sp, env: env_range })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mm::user::UserPtr;
    use std::vec;

    const EM_TEST: u16 = 243;

    /// A minimal static ELF: one RX segment with `code` at 0x10000 + 0x78... .
    fn tiny_elf(kind: u16) -> Vec<u8> {
        let mut f = vec![0u8; 0x1000 + 16];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4..7].copy_from_slice(&[2, 1, 1]);
        f[16..18].copy_from_slice(&kind.to_le_bytes());
        f[18..20].copy_from_slice(&EM_TEST.to_le_bytes());
        f[24..32].copy_from_slice(&0x10078u64.to_le_bytes()); // entry
        f[32..40].copy_from_slice(&64u64.to_le_bytes()); // phoff
        f[54..56].copy_from_slice(&56u16.to_le_bytes());
        f[56..58].copy_from_slice(&1u16.to_le_bytes());
        let ph = 64;
        f[ph..ph + 4].copy_from_slice(&PT_LOAD.to_le_bytes());
        f[ph + 4..ph + 8].copy_from_slice(&(PF_R | PF_X).to_le_bytes());
        f[ph + 16..ph + 24].copy_from_slice(&0x10000u64.to_le_bytes()); // vaddr
        f[ph + 32..ph + 40].copy_from_slice(&(0x1010u64).to_le_bytes()); // filesz
        f[ph + 40..ph + 48].copy_from_slice(&(0x3000u64).to_le_bytes()); // memsz
        f[0x1000..0x1010].copy_from_slice(b"0123456789abcdef");
        f
    }

    fn arch() -> ElfArch {
        ElfArch { machine: EM_TEST, hwcap: 0x112d, platform: None, sigreturn_code: &[0x73, 0, 0, 0] }
    }

    fn aux() -> AuxInfo {
        AuxInfo { uid: 0, euid: 0, gid: 0, egid: 0, secure: false, random: [7; 16], execfn: b"/bin/t".to_vec(), stack_limit: 8 << 20 }
    }

    #[test]
    fn loads_segments_and_builds_the_stack() {
        let mut vm = VmSpace::new();
        let elf = tiny_elf(ET_EXEC);
        let argv = [b"t".to_vec(), b"-x".to_vec()];
        let envp = [b"A=1".to_vec()];
        let image = load(&mut vm, &ElfFile::from_bytes(elf), None, &argv, &envp, &aux(), &arch()).unwrap();
        assert_eq!(image.entry, 0x10078);
        assert_eq!(image.stack_pointer % 16, 0);
        let mut buf = [0u8; 16];
        vm.read_bytes(0x11000, &mut buf).unwrap();
        assert_eq!(&buf, b"0123456789abcdef");
        vm.read_bytes(0x11010, &mut buf).unwrap();
        assert_eq!(buf, [0; 16], "bss is zero");
        assert!(vm.write_bytes(0x10000, b"x").is_err(), "text is read-only");
        let mut code = [0u8; 4];
        vm.read_bytes(SIGRETURN_TRAMPOLINE, &mut code).unwrap();
        assert_eq!(code, [0x73, 0, 0, 0], "the sigreturn trampoline is mapped");
        let sp = UserPtr::<u64>::new(image.stack_pointer);
        assert_eq!(sp.read(&mut vm).unwrap(), 2);
        let arg1 = sp.add(2).unwrap().read(&mut vm).unwrap() as usize;
        assert_eq!(vm.read_cstr(arg1, 100).unwrap(), b"-x");
        assert_eq!(sp.add(3).unwrap().read(&mut vm).unwrap(), 0);
        let env0 = sp.add(4).unwrap().read(&mut vm).unwrap() as usize;
        assert_eq!(vm.read_cstr(env0, 100).unwrap(), b"A=1");
        // auxv starts after envp's NULL: AT_PHDR first.
        assert_eq!(sp.add(6).unwrap().read(&mut vm).unwrap() as usize, AT_PHDR);
        assert_eq!(sp.add(7).unwrap().read(&mut vm).unwrap(), 0x10040);
    }

    /// A ramfs file behind an `MmapSource`, as execve maps one.
    fn in_cache(data: &[u8]) -> Arc<dyn MmapSource> {
        let fs = crate::fs::ramfs::RamFs::new(crate::fs::ramfs::RAMFS_MAGIC, 0o755);
        let inode = fs.root().create("prog", crate::fs::vfs::FileType::Regular, 0o755, 0, 0, 0).unwrap();
        inode.write_at(0, data).unwrap();
        Arc::new(crate::fs::file::InodeSource(inode))
    }

    #[test]
    fn a_mapped_file_loads_the_same_as_a_copied_one() {
        let elf = tiny_elf(ET_EXEC);
        let file = ElfFile::from_source(in_cache(&elf)).unwrap();
        let mut mapped = VmSpace::new();
        let mut copied = VmSpace::new();
        load(&mut mapped, &file, None, &[], &[], &aux(), &arch()).unwrap();
        load(&mut copied, &ElfFile::from_bytes(elf), None, &[], &[], &aux(), &arch()).unwrap();
        let (mut a, mut b) = ([0u8; 0x3000], [0u8; 0x3000]);
        mapped.read_bytes(0x10000, &mut a).unwrap();
        copied.read_bytes(0x10000, &mut b).unwrap();
        assert!(a == b, "same bytes, whole pages from the file and the partial one copied");
        assert_eq!(&a[0x1000..0x1010], b"0123456789abcdef");
        assert!(a[0x1010..].iter().all(|&x| x == 0), "the bss after the last file byte is zero");
        assert!(mapped.write_bytes(0x10000, b"x").is_err(), "text stays read-only");
    }

    #[test]
    fn pie_is_placed_at_the_base() {
        let mut vm = VmSpace::new();
        let image = load(&mut vm, &ElfFile::from_bytes(tiny_elf(ET_DYN)), None, &[], &[], &aux(), &arch()).unwrap();
        assert_eq!(image.entry, PIE_BASE + 0x10078);
    }

    #[test]
    fn garbage_is_enoexec_never_a_panic() {
        let good = tiny_elf(ET_EXEC);
        let cases: Vec<Vec<u8>> = vec![
            b"#!/bin/sh\n".to_vec(),
            vec![],
            good[..20].to_vec(),
            good[..70].to_vec(),
            {
                let mut bad = good.clone();
                bad[18] = 62; // x86_64
                bad
            },
            {
                let mut bad = good.clone();
                bad[32..40].copy_from_slice(&u64::MAX.to_le_bytes()); // phoff
                bad
            },
            {
                let mut bad = good.clone();
                bad[64 + 8..64 + 16].copy_from_slice(&(u64::MAX - 4).to_le_bytes()); // p_offset
                bad
            },
        ];
        for (i, data) in cases.iter().enumerate() {
            let mut vm = VmSpace::new();
            let err = load(&mut vm, &ElfFile::from_bytes(data.clone()), None, &[], &[], &aux(), &arch()).err();
            assert_eq!(err.map(|e| e.errno), Some(Errno::ENOEXEC), "case {i}");
        }
        // Every truncation of a valid file fails cleanly too.
        for len in 0..good.len() - 16 {
            let mut vm = VmSpace::new();
            assert!(load(&mut vm, &ElfFile::from_bytes(good[..len].to_vec()), None, &[], &[], &aux(), &arch()).is_err());
        }
    }
}
