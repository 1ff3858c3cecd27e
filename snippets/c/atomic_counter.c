#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define THREADS 4
#define TIMES 100000

static atomic_long counter; /* static storage: starts at zero */

static void *increment(void *arg)
{
	(void)arg;
	for (int i = 0; i < TIMES; i++)
		atomic_fetch_add(&counter, 1); /* one indivisible read-modify-write */
	return NULL;
}

int main(void)
{
	pthread_t tid[THREADS];

	for (int i = 0; i < THREADS; i++)
		pthread_create(&tid[i], NULL, increment, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(tid[i], NULL);
	printf("counter = %ld (expected %d)\n", atomic_load(&counter),
	       THREADS * TIMES);
	printf("atomic_long is lock-free here: %s\n",
	       atomic_is_lock_free(&counter) ? "yes" : "no");
	return 0;
}
