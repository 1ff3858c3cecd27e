#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t is POSIX, not C11 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold_one;

struct order {
	pthread_mutex_t *first, *second;
};

static void *transfer(void *arg)
{
	struct order *o = arg;

	pthread_mutex_lock(o->first);
	pthread_barrier_wait(&both_hold_one); /* now each thread holds one */
	pthread_mutex_lock(o->second);        /* waits forever */
	pthread_mutex_unlock(o->second);
	pthread_mutex_unlock(o->first);
	return NULL;
}

int main(void)
{
	struct order ab = { &a, &b }, ba = { &b, &a };
	pthread_t t1, t2;

	pthread_barrier_init(&both_hold_one, NULL, 3);
	pthread_create(&t1, NULL, transfer, &ab);
	pthread_create(&t2, NULL, transfer, &ba);
	pthread_barrier_wait(&both_hold_one);
	printf("thread 1 holds a and wants b; thread 2 holds b and wants a\n");
	fflush(stdout); /* the process will be killed, not exit normally */
	pthread_join(t1, NULL);
	printf("unreachable\n");
	return 0;
}
