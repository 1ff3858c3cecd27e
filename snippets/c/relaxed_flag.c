#define _POSIX_C_SOURCE 200809L /* for sched_yield */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static int payload;
static atomic_int ready;

static void *producer(void *arg)
{
	(void)arg;
	payload = 42;
	/* Relaxed: the flag itself is atomic, but it orders nothing else. */
	atomic_store_explicit(&ready, 1, memory_order_relaxed);
	return NULL;
}

static void *consumer(void *arg)
{
	int *seen = arg;
	while (!atomic_load_explicit(&ready, memory_order_relaxed))
		sched_yield();
	*seen = payload; /* a data race: nothing orders it after the write */
	return NULL;
}

int main(void)
{
	pthread_t p, c;
	int seen = 0;

	pthread_create(&c, NULL, consumer, &seen);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	/* What seen holds is not guaranteed, so it is not printed. */
	printf("consumer saw the flag\n");
	return 0;
}
