/* Names created by several processes at once: open(O_CREAT) without
 * O_EXCL opens the file whoever made it first (sqlite3's processes open
 * their database and its -wal and -shm files this way at the same time;
 * an EEXIST makes them fall back to read-only). */
#include "harness.h"

#define KIDS 4
#define ROUNDS 50

static int open_on_signal(void *arg)
{
	int *p = arg;
	char c;
	close(p[1]);
	if (read(p[0], &c, 1) < 0)
		return 1;
	int fails = 0;
	for (int round = 0; round < ROUNDS; round++) {
		char name[32];
		snprintf(name, sizeof name, "race%d", round);
		int fd = open(name, O_RDWR | O_CREAT, 0644);
		if (fd < 0)
			fails++;
		else
			close(fd);
	}
	return fails;
}

TEST(open_creat_by_many_processes_at_once)
{
	int p[2];
	CHECK_OK(pipe(p));
	pid_t kids[KIDS];
	for (int k = 0; k < KIDS; k++) {
		kids[k] = h_fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0)
			_exit(open_on_signal(p));
	}
	/* Closing the write end wakes every child at once. */
	CHECK_OK(close(p[0]));
	CHECK_OK(close(p[1]));
	for (int k = 0; k < KIDS; k++) {
		int status;
		CHECK_EQ(waitpid(kids[k], &status, 0), kids[k]);
		CHECK(WIFEXITED(status));
		CHECK_EQ(WEXITSTATUS(status), 0);
	}
	for (int round = 0; round < ROUNDS; round++) {
		char name[32];
		struct stat st;
		snprintf(name, sizeof name, "race%d", round);
		CHECK_OK(stat(name, &st));
		CHECK_EQ(st.st_nlink, 1);
	}
}

TEST(open_creat_excl_by_many_processes_at_once_one_wins)
{
	int p[2], res[2];
	CHECK_OK(pipe(p));
	CHECK_OK(pipe(res));
	pid_t kids[KIDS];
	for (int k = 0; k < KIDS; k++) {
		kids[k] = h_fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0) {
			char c;
			close(p[1]);
			if (read(p[0], &c, 1) < 0)
				_exit(2);
			int fd = open("excl", O_RDWR | O_CREAT | O_EXCL, 0644);
			c = fd >= 0 ? 'w' : errno == EEXIST ? 'e' : '?';
			_exit(write(res[1], &c, 1) == 1 ? 0 : 3);
		}
	}
	CHECK_OK(close(p[0]));
	CHECK_OK(close(p[1]));
	CHECK_OK(close(res[1]));
	int wins = 0, exists = 0;
	char c;
	while (read(res[0], &c, 1) == 1) {
		wins += c == 'w';
		exists += c == 'e';
	}
	for (int k = 0; k < KIDS; k++) {
		int status;
		CHECK_EQ(waitpid(kids[k], &status, 0), kids[k]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK_EQ(wins, 1);
	CHECK_EQ(exists, KIDS - 1);
}
