#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t is POSIX, not C11 */
#include <pthread.h>
#include <stdio.h>

#define THREADS 4
#define PHASES 3

static pthread_barrier_t barrier;
static int slot[PHASES][THREADS]; /* slot[p][i] is written by thread i in phase p */

static void *worker(void *arg)
{
	int id = *(int *)arg;

	for (int p = 0; p < PHASES; p++) {
		slot[p][id] = (p + 1) * 100 + id; /* this phase's work */
		/* Exactly one thread gets PTHREAD_BARRIER_SERIAL_THREAD, after
		 * every thread has finished phase p. */
		if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD) {
			int filled = 0;
			for (int i = 0; i < THREADS; i++)
				filled += slot[p][i] == (p + 1) * 100 + i;
			printf("phase %d: %d of %d slots filled\n", p, filled, THREADS);
		}
	}
	return NULL;
}

int main(void)
{
	pthread_t tid[THREADS];
	int ids[THREADS];

	pthread_barrier_init(&barrier, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		ids[i] = i;
		pthread_create(&tid[i], NULL, worker, &ids[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&barrier);
	return 0;
}
