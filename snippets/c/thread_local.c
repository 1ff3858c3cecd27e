#include <pthread.h>
#include <stdio.h>

#define THREADS 3

static _Thread_local int calls; /* one copy per thread, zero in each */
static int shared_calls;        /* one copy for the whole process */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void count_call(void)
{
	calls++; /* no lock: no other thread can see this variable */
	pthread_mutex_lock(&lock);
	shared_calls++;
	pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	int *result = arg;
	int n = *result; /* thread i is asked to make i + 1 calls */

	for (int i = 0; i < n; i++)
		count_call();
	*result = calls;
	return NULL;
}

int main(void)
{
	pthread_t tid[THREADS];
	int results[THREADS];

	for (int i = 0; i < THREADS; i++) {
		results[i] = i + 1;
		pthread_create(&tid[i], NULL, worker, &results[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(tid[i], NULL);
	for (int i = 0; i < THREADS; i++)
		printf("thread %d saw calls = %d\n", i, results[i]);
	printf("main thread sees calls = %d, shared_calls = %d\n", calls,
	       shared_calls);
	return 0;
}
