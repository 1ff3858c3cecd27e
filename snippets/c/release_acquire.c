#define _POSIX_C_SOURCE 200809L /* for sched_yield */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static int payload;       /* plain data, published through the flag */
static atomic_int ready;  /* 0 until the payload is written */

static void *producer(void *arg)
{
	(void)arg;
	payload = 42;
	/* Release: every write above becomes visible to a thread that
	 * reads 1 from ready with acquire. */
	atomic_store_explicit(&ready, 1, memory_order_release);
	return NULL;
}

static void *consumer(void *arg)
{
	int *seen = arg;
	while (!atomic_load_explicit(&ready, memory_order_acquire))
		sched_yield();
	*seen = payload; /* ordered after the producer's write: no race */
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
	printf("consumer read payload = %d\n", seen);
	return 0;
}
