#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t is POSIX, not C11 */
#include <pthread.h>
#include <stdio.h>

#define THREADS 2
#define TIMES 100000

static long counter; /* shared, and nothing protects it */
static pthread_barrier_t loaded;

static void *increment(void *arg)
{
	(void)arg;
	for (int i = 0; i < TIMES; i++)
		counter++; /* load, add, store: a data race */
	return NULL;
}

/* One increment split into its load and its store, with both threads
 * made to load before either stores: the interleaving that loses an
 * update, forced on every run instead of left to chance. */
static void *increment_once(void *arg)
{
	(void)arg;
	long seen = counter;           /* load */
	pthread_barrier_wait(&loaded); /* both threads have loaded */
	counter = seen + 1;            /* store: one of the two is lost */
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

	counter = 0;
	pthread_barrier_init(&loaded, NULL, THREADS);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&tid[i], NULL, increment_once, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&loaded);
	printf("%d increments, forced interleaving: counter = %ld\n", THREADS, counter);
	return 0;
}
