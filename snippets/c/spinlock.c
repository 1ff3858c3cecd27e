#define _POSIX_C_SOURCE 200809L /* for sched_yield */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#define THREADS 2
#define TIMES 50000

static atomic_flag lock = ATOMIC_FLAG_INIT; /* the only type C11 guarantees lock-free */
static long counter;

static void spin_lock(void)
{
	/* test_and_set returns the old value: true means someone holds it. */
	while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
		sched_yield(); /* let the holder run instead of burning the core */
}

static void spin_unlock(void)
{
	atomic_flag_clear_explicit(&lock, memory_order_release);
}

static void *increment(void *arg)
{
	(void)arg;
	for (int i = 0; i < TIMES; i++) {
		spin_lock();
		counter++;
		spin_unlock();
	}
	return NULL;
}

int main(void)
{
	pthread_t tid[THREADS];

	for (int i = 0; i < THREADS; i++)
		pthread_create(&tid[i], NULL, increment, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(tid[i], NULL);
	printf("counter = %ld (expected %d)\n", counter, THREADS * TIMES);
	return 0;
}
