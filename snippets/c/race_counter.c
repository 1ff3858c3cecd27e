#include <pthread.h>
#include <stdio.h>

#define THREADS 2
#define TIMES 100000

static long counter; /* shared, and nothing protects it */

static void *increment(void *arg)
{
	(void)arg;
	for (int i = 0; i < TIMES; i++)
		counter++; /* load, add, store: a data race */
	return NULL;
}

int main(void)
{
	pthread_t tid[THREADS];

	for (int i = 0; i < THREADS; i++)
		pthread_create(&tid[i], NULL, increment, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(tid[i], NULL);
	/* The value varies from run to run, so only a fact that always holds
	 * is printed; ThreadSanitizer reports the race on stderr. */
	printf("counter <= %d: %s\n", THREADS * TIMES,
	       counter <= THREADS * TIMES ? "yes" : "no");
	return 0;
}
