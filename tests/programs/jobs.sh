# Run by both busybox sh and dash, natively and in the sandbox: subshells,
# command substitution, pipelines, background jobs with wait, a trap on
# INT and kill -INT $$. Output must not depend on scheduling.
set -u
x=$(echo outer; (echo inner; exit 3); echo "status=$?")
echo "$x"
a=$( (echo sub) | tr a-z A-Z)
echo "$a"
(sleep 0.2; echo bg1) > bg1.out &
p1=$!
(echo bg2; exit 7) > bg2.out &
p2=$!
wait $p1; echo "wait1=$?"
wait $p2; echo "wait2=$?"
cat bg1.out bg2.out
for i in 1 2 3; do (echo "job $i" > job$i.out) & done
wait
cat job1.out job2.out job3.out
echo "all jobs done"
trap 'echo caught INT' INT
kill -INT $$
echo "after kill"
trap - INT
count=0
while [ $count -lt 5 ]; do count=$((count + 1)); done
echo "count=$count"
echo "$(echo a b c | wc -w) words"
sh -c 'exit 42'; echo "child exit=$?"
echo done | { read v; echo "read=$v"; }
sleep 5 &
victim=$!
kill -TERM $victim
# Whether `wait` reports "Terminated" depends on whether the shell reaped
# the job (on SIGCHLD) before `wait` ran: scheduling, so not compared.
wait $victim 2>/dev/null; echo "killed job status=$?"
