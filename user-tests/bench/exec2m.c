/*
 * exec2m: a static program of about 2 MiB that exits at once, for
 * nsbench's "exec-2m" (execve of a big binary: mapped, not read).
 */
#define PAD_BYTES (2 * 1024 * 1024 - 24 * 1024)

__attribute__((used)) static const char pad[PAD_BYTES] = { 1 };

int main(int argc, char **argv)
{
	(void)argv;
	return argc > PAD_BYTES ? pad[argc - 1] : 0;
}
