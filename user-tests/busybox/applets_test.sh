#!/bin/sh
# applets_test.sh: busybox applets and shell features a user of a Linux
# shell expects: files (ls cat cp mv rm mkdir ln), ps, sh -c, pipes,
# redirection, test, expr, sleep, kill, background jobs and wait.
# Prints "ok   NAME" or "FAIL NAME: why" per check, then "N passed, N failed".
pass=0
fail=0
check() {
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		pass=$((pass + 1))
		echo "ok   $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name: '$*' failed"
	fi
}

dir=$(mktemp -d /tmp/nst-bb-XXXXXX)
cd "$dir" || exit 1

echo hello > a
check "redirection > writes a file" test "$(cat a)" = hello
echo world >> a
check "redirection >> appends" test "$(wc -l < a)" -eq 2
check "redirection < reads a file" test "$(head -n 1 < a)" = hello
check "cp copies" cp a b
check "cp kept the contents" cmp a b
check "mv renames" mv b c
check "mv removed the old name" test ! -e b
check "mkdir -p" mkdir -p d/e/f
check "ln -s makes a symlink" ln -s ../a d/link
check "the symlink resolves" test "$(cat d/link)" = "$(cat a)"
check "ls lists the files" sh -c "ls | grep -q '^c$'"
check "ls -l shows the link" sh -c "ls -l d | grep -q 'link -> ../a'"
check "rm -r removes a tree" rm -r d
check "the tree is gone" test ! -e d
check "pipes connect commands" test "$(printf 'b\na\nc\n' | sort | head -n 1)" = a
check "sh -c runs a command" test "$(sh -c 'echo $((6 * 7))')" = 42
check "exit status passes through sh -c" sh -c 'sh -c "exit 3"; test $? -eq 3'
check "expr computes" test "$(expr 2 + 3)" = 5
check "test compares strings" test abc = abc
check "printf formats" test "$(printf '%03d' 7)" = 007
check "ps shows this shell" sh -c "ps | grep -q \"^ *$$ \""
sleep 10 &
bg=$!
check "a background job runs" kill -0 $bg
check "kill stops it" kill $bg
wait $bg
check "wait reports the signal" test $? -eq 143
start=$(date +%s)
sleep 1
end=$(date +%s)
check "sleep 1 takes at least a second" test $((end - start)) -ge 1
(exit 5) &
wait $!
check "wait returns a background job's status" test $? -eq 5

cd /
rm -rf "$dir"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
