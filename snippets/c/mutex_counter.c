#include <pthread.h>
#include <stdio.h>

#define THREADS 2
#define TIMES 100000

static long counter;
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;

static void *increment(void *arg)
{
	(void)arg;
	for (int i = 0; i < TIMES; i++) {
		pthread_mutex_lock(&counter_lock);
		counter++; /* only one thread at a time gets here */
		pthread_mutex_unlock(&counter_lock);
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
