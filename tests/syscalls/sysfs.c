/* sysfs: the CPU, node, cgroup and THP files programs size themselves by. */
#include "harness.h"

#include <sys/statfs.h>
#include <sched.h>

/* Number of CPUs in a list like "0-3,5". */
static int count_list(const char *s)
{
	int n = 0;
	while (*s && *s != '\n') {
		int a = strtol(s, (char **)&s, 10), b = a;
		if (*s == '-')
			b = strtol(s + 1, (char **)&s, 10);
		n += b - a + 1;
		if (*s == ',')
			s++;
	}
	return n;
}

TEST(cpu_online_matches_sysconf)
{
	char buf[256];
	CHECK(h_read_file("/sys/devices/system/cpu/online", buf, sizeof buf) > 0);
	CHECK_EQ(count_list(buf), sysconf(_SC_NPROCESSORS_ONLN));
}

TEST(cpu_possible_and_present)
{
	char buf[256];
	CHECK(h_read_file("/sys/devices/system/cpu/possible", buf, sizeof buf) > 0);
	int possible = count_list(buf);
	CHECK(h_read_file("/sys/devices/system/cpu/present", buf, sizeof buf) > 0);
	int present = count_list(buf);
	CHECK(possible >= present);
	CHECK(present >= sysconf(_SC_NPROCESSORS_ONLN));
	CHECK_EQ(sysconf(_SC_NPROCESSORS_CONF), present);
}

TEST(cpu_dirs_match_online)
{
	char buf[256];
	CHECK(h_read_file("/sys/devices/system/cpu/online", buf, sizeof buf) > 0);
	int online = count_list(buf);
	DIR *d = opendir("/sys/devices/system/cpu");
	CHECK(d != NULL);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "cpu", 3) && e->d_name[3] >= '0' && e->d_name[3] <= '9')
			n++;
	closedir(d);
	CHECK(n >= online);
}

TEST(cpu0_topology)
{
	char buf[64];
	CHECK(h_read_file("/sys/devices/system/cpu/cpu0/topology/core_id", buf, sizeof buf) > 0);
	CHECK(buf[0] >= '0' && buf[0] <= '9');
	struct stat st;
	CHECK_OK(stat("/sys/devices/system/cpu/cpu0", &st));
	CHECK(S_ISDIR(st.st_mode));
}

TEST(cpu_count_matches_affinity)
{
	cpu_set_t set;
	CHECK_OK(sched_getaffinity(0, sizeof set, &set));
	char buf[256];
	CHECK(h_read_file("/sys/devices/system/cpu/online", buf, sizeof buf) > 0);
	CHECK(CPU_COUNT(&set) <= count_list(buf));
	CHECK(CPU_COUNT(&set) >= 1);
}

TEST(node0_exists)
{
	char buf[64];
	CHECK(h_read_file("/sys/devices/system/node/online", buf, sizeof buf) > 0);
	CHECK(buf[0] == '0');
	struct stat st;
	CHECK_OK(stat("/sys/devices/system/node/node0", &st));
	CHECK(S_ISDIR(st.st_mode));
}

TEST(thp_enabled_has_selection)
{
	char buf[128];
	CHECK(h_read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) > 0);
	char *a = strchr(buf, '['), *b = strchr(buf, ']');
	CHECK(a && b && a < b);
	CHECK(strstr(buf, "never") != NULL);
}

TEST(statfs_is_sysfs)
{
	struct statfs s;
	CHECK_OK(statfs("/sys/devices/system/cpu/online", &s));
	CHECK_EQ(s.f_type, 0x62656572);
}

/* The memory limit, in either cgroup layout (v2's memory.max or v1's
 * memory/memory.limit_in_bytes). */
TEST(cgroup_memory_limit_readable)
{
	char buf[64];
	if (h_read_file("/sys/fs/cgroup/memory.max", buf, sizeof buf) > 0) {
		CHECK(!strcmp(buf, "max\n") || (buf[0] >= '0' && buf[0] <= '9'));
		return;
	}
	CHECK(h_read_file("/sys/fs/cgroup/memory/memory.limit_in_bytes", buf, sizeof buf) > 0);
	CHECK(buf[0] >= '0' && buf[0] <= '9');
}

TEST(cgroup_pids_and_cpu)
{
	char buf[64];
	if (h_read_file("/sys/fs/cgroup/cgroup.controllers", buf, sizeof buf) > 0) {
		CHECK(strstr(buf, "memory") != NULL);
		CHECK(h_read_file("/sys/fs/cgroup/pids.max", buf, sizeof buf) > 0);
		CHECK(!strcmp(buf, "max\n") || (buf[0] >= '0' && buf[0] <= '9'));
		CHECK(h_read_file("/sys/fs/cgroup/cpu.max", buf, sizeof buf) > 0);
		CHECK(strchr(buf, ' ') != NULL);
		return;
	}
	CHECK(h_read_file("/sys/fs/cgroup/pids/pids.max", buf, sizeof buf) >= 0 ||
	      h_read_file("/sys/fs/cgroup/cpu/cpu.cfs_period_us", buf, sizeof buf) > 0);
}

TEST(cgroup_memory_current_grows)
{
	char buf[64];
	if (h_read_file("/sys/fs/cgroup/memory.current", buf, sizeof buf) <= 0) {
		CHECK(h_read_file("/sys/fs/cgroup/memory/memory.usage_in_bytes", buf, sizeof buf) > 0);
		CHECK(atoll(buf) > 0);
		return;
	}
	long long before = atoll(buf);
	CHECK(before > 0);
	size_t len = 8 << 20;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	memset(m, 1, len);
	CHECK(h_read_file("/sys/fs/cgroup/memory.current", buf, sizeof buf) > 0);
	long long after = atoll(buf);
	munmap(m, len);
	CHECK(after > 0);
}

TEST(sys_not_writable_by_others)
{
	struct stat st;
	CHECK_OK(stat("/sys/devices/system/cpu/online", &st));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 0022, 0);
	CHECK(open("/sys/rvisor-new", O_CREAT | O_WRONLY, 0644) < 0);
}
