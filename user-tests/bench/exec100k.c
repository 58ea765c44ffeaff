/*
 * exec100k: a static program of about 100 KiB that exits at once, for
 * nsbench's "exec-100k" (what execve costs for a small binary).
 */
#define PAD_BYTES (100 * 1024 - 24 * 1024) /* musl's startup code is about 24 KiB */

__attribute__((used)) static const char pad[PAD_BYTES] = { 1 };

int main(int argc, char **argv)
{
	(void)argv;
	return argc > PAD_BYTES ? pad[argc - 1] : 0;
}
