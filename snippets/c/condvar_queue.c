#include <pthread.h>
#include <stdio.h>

#define CAPACITY 4
#define PRODUCERS 2
#define CONSUMERS 2
#define ITEMS 1000 /* per producer */
#define STOP (-1)  /* sentinel, one per consumer */

static int ring[CAPACITY];
static int head, count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static long consumed_sum[CONSUMERS];

static void put(int item)
{
	pthread_mutex_lock(&lock);
	while (count == CAPACITY) /* a loop, never an if: wakeups can be spurious */
		pthread_cond_wait(&not_full, &lock); /* unlocks while waiting */
	ring[(head + count) % CAPACITY] = item;
	count++;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&lock);
}

static int get(void)
{
	int item;

	pthread_mutex_lock(&lock);
	while (count == 0)
		pthread_cond_wait(&not_empty, &lock);
	item = ring[head];
	head = (head + 1) % CAPACITY;
	count--;
	pthread_cond_signal(&not_full);
	pthread_mutex_unlock(&lock);
	return item;
}

static void *producer(void *arg)
{
	int base = *(int *)arg;
	for (int i = 1; i <= ITEMS; i++)
		put(base + i);
	return NULL;
}

static void *consumer(void *arg)
{
	long *sum = arg;
	for (int item; (item = get()) != STOP;)
		*sum += item;
	return NULL;
}

int main(void)
{
	pthread_t prod[PRODUCERS], cons[CONSUMERS];
	int bases[PRODUCERS];
	long expected = 0, total = 0;

	for (int i = 0; i < CONSUMERS; i++)
		pthread_create(&cons[i], NULL, consumer, &consumed_sum[i]);
	for (int i = 0; i < PRODUCERS; i++) {
		bases[i] = i * 10000;
		for (int j = 1; j <= ITEMS; j++)
			expected += bases[i] + j;
		pthread_create(&prod[i], NULL, producer, &bases[i]);
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(prod[i], NULL);
	for (int i = 0; i < CONSUMERS; i++)
		put(STOP);
	for (int i = 0; i < CONSUMERS; i++) {
		pthread_join(cons[i], NULL);
		total += consumed_sum[i];
	}
	printf("produced sum %ld, consumed sum %ld\n", expected, total);
	return 0;
}
