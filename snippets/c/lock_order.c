#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static int transfers;

static void *a_then_b(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&a);
	pthread_mutex_lock(&b);
	transfers++;
	pthread_mutex_unlock(&b);
	pthread_mutex_unlock(&a);
	return NULL;
}

static void *b_then_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&b);
	pthread_mutex_lock(&a); /* the opposite order: a potential deadlock */
	transfers++;
	pthread_mutex_unlock(&a);
	pthread_mutex_unlock(&b);
	return NULL;
}

int main(void)
{
	pthread_t t;

	/* The threads run one after the other, so this run cannot hang. A
	 * ThreadSanitizer build still reports the inconsistent order. */
	pthread_create(&t, NULL, a_then_b, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, b_then_a, NULL);
	pthread_join(t, NULL);
	printf("transfers = %d, no hang this time\n", transfers);
	return 0;
}
