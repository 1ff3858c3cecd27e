#include <stdio.h>
#ifdef __STDC_NO_THREADS__
#error "this C library has no <threads.h>"
#endif
#include <threads.h>

#define THREADS 4
#define TIMES 10000

static mtx_t lock;
static long counter;

static int worker(void *arg)
{
	int id = *(int *)arg;

	for (int i = 0; i < TIMES; i++) {
		mtx_lock(&lock);
		counter++;
		mtx_unlock(&lock);
	}
	return id * 10; /* the thread's result, collected by thrd_join */
}

int main(void)
{
	thrd_t tid[THREADS];
	int ids[THREADS];

	if (mtx_init(&lock, mtx_plain) != thrd_success)
		return 1;
	for (int i = 0; i < THREADS; i++) {
		ids[i] = i;
		if (thrd_create(&tid[i], worker, &ids[i]) != thrd_success)
			return 1;
	}
	for (int i = 0; i < THREADS; i++) {
		int res;
		thrd_join(tid[i], &res);
		printf("thread %d returned %d\n", i, res);
	}
	printf("counter = %ld\n", counter);
	mtx_destroy(&lock);
	return 0;
}
