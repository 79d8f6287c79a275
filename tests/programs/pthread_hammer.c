/* 64 threads hammer one mutex and one condition variable for 2 seconds:
 * each increments a shared counter under the mutex and hands a token
 * round-robin through the condition variable. Prints totals that must
 * add up; exits non-zero on any inconsistency. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define THREADS 64

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter, per_thread[THREADS], passes;
static int turn, stop;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	int me = (int)(long)arg;
	for (;;) {
		pthread_mutex_lock(&mu);
		counter++;
		per_thread[me]++;
		/* Wait for our turn with the token, unless stopping. */
		while (turn != me && !stop)
			pthread_cond_wait(&cv, &mu);
		if (stop) {
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		passes++;
		turn = (turn + 1) % THREADS;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
}

int main(void)
{
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) {
			perror("pthread_create");
			return 1;
		}
	double end = now() + 2.0;
	while (now() < end) {
		struct timespec nap = {0, 10 * 1000000L};
		nanosleep(&nap, NULL);
	}
	pthread_mutex_lock(&mu);
	stop = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	long sum = 0;
	for (int i = 0; i < THREADS; i++) {
		if (pthread_join(t[i], NULL) != 0) {
			perror("pthread_join");
			return 1;
		}
		sum += per_thread[i];
	}
	if (sum != counter || passes < THREADS) {
		printf("inconsistent: sum=%ld counter=%ld passes=%ld\n", sum, counter, passes);
		return 1;
	}
	printf("threads=%d consistent=yes token_went_round=%s\n", THREADS,
	       passes >= THREADS ? "yes" : "no");
	return 0;
}
