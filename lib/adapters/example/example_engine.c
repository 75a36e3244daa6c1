/* example_engine.c: a complete reassembly plug-in in plain C, to show how a
 * user's reassembler plugs into ip4ref through the C ABI of ip4ref/engine.h.
 *
 * It is deliberately simple: policy "first" only (every octet from the
 * earliest fragment that carried it), a fixed table of 64 datagrams, no
 * memory accounting, no reasons. It says so in its capabilities, and the
 * harness then compares only delivered datagrams, fragment counts and
 * timeouts with the reference (lib/test/shared_object_engine_test.cpp does).
 *
 * Build: cc -shared -fPIC -I<ip4ref>/include example_engine.c -o libexample.so
 * Use:   ip4ref replay in.pcap --policy first --engine so:./libexample.so --compare ref */
#include <stdlib.h>
#include <string.h>

#include "ip4ref/engine.h"

#define MAX_DATAGRAMS 64
#define MAX_DATA 65535

struct datagram {
  int used;
  ip4ref_key key;
  int64_t deadline_ns;
  unsigned long long creation;
  uint8_t header[60];
  size_t header_length; /* 0 until the offset-0 fragment arrived */
  uint8_t quote[68];
  size_t quote_length;
  uint8_t data[MAX_DATA];
  uint8_t have[(MAX_DATA + 7) / 8]; /* one byte per 8-octet block, for clarity */
  long total;                       /* -1 until the last fragment arrived */
  uint32_t fragments;
};

struct ip4ref_engine {
  int64_t timeout_ns;
  unsigned long long next_creation;
  struct datagram table[MAX_DATAGRAMS];
};

static uint16_t be16(const uint8_t* p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t be32(const uint8_t* p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* RFC 1071 checksum over n octets. */
static uint16_t checksum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += be16(p + i);
  if (n & 1) sum += (uint32_t)p[n - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static ip4ref_engine* create(const ip4ref_config* config) {
  if (strcmp(config->policy, "first") != 0) return NULL; /* only "first" */
  ip4ref_engine* e = calloc(1, sizeof *e);
  if (e != NULL) e->timeout_ns = config->timeout_ns;
  return e;
}

static void destroy(ip4ref_engine* e) { free(e); }

static void timeout_one(struct datagram* d, ip4ref_event_fn emit, void* ctx) {
  ip4ref_event ev = {0};
  ev.kind = IP4REF_EVENT_DISCARDED;
  ev.key = d->key;
  ev.reason = "timeout";
  ev.first_fragment_seen = d->header_length != 0;
  ev.bytes = d->quote;
  ev.length = d->quote_length;
  d->used = 0;
  emit(ctx, &ev);
}

/* Expire in (deadline, creation) order. */
static void expire(ip4ref_engine* e, int64_t now_ns, ip4ref_event_fn emit, void* ctx) {
  for (;;) {
    struct datagram* due = NULL;
    for (int i = 0; i < MAX_DATAGRAMS; i++) {
      struct datagram* d = &e->table[i];
      if (!d->used || d->deadline_ns > now_ns) continue;
      if (due == NULL || d->deadline_ns < due->deadline_ns ||
          (d->deadline_ns == due->deadline_ns && d->creation < due->creation))
        due = d;
    }
    if (due == NULL) return;
    timeout_one(due, emit, ctx);
  }
}

static struct datagram* find_or_create(ip4ref_engine* e, ip4ref_key k, int64_t now_ns) {
  struct datagram* free_slot = NULL;
  for (int i = 0; i < MAX_DATAGRAMS; i++) {
    struct datagram* d = &e->table[i];
    if (d->used && d->key.source == k.source && d->key.destination == k.destination &&
        d->key.protocol == k.protocol && d->key.identification == k.identification)
      return d;
    if (!d->used && free_slot == NULL) free_slot = d;
  }
  if (free_slot == NULL) return NULL; /* table full: the fragment is ignored */
  memset(free_slot, 0, sizeof *free_slot);
  free_slot->used = 1;
  free_slot->key = k;
  free_slot->total = -1;
  free_slot->deadline_ns = now_ns + e->timeout_ns;
  free_slot->creation = e->next_creation++;
  return free_slot;
}

static int complete(const struct datagram* d) {
  if (d->total < 0 || d->header_length == 0) return 0;
  for (long b = 0; b < (d->total + 7) / 8; b++)
    if (!d->have[b]) return 0;
  return 1;
}

static void deliver(struct datagram* d, ip4ref_event_fn emit, void* ctx) {
  static uint8_t out[MAX_DATA + 60];
  size_t hl = d->header_length, total = hl + (size_t)d->total;
  memcpy(out, d->header, hl);
  memcpy(out + hl, d->data, (size_t)d->total);
  out[2] = (uint8_t)(total >> 8);
  out[3] = (uint8_t)total;
  out[6] &= 0xc0; /* keep reserved + DF, clear MF and the offset */
  out[7] = 0;
  out[10] = out[11] = 0;
  uint16_t sum = checksum(out, hl);
  out[10] = (uint8_t)(sum >> 8);
  out[11] = (uint8_t)sum;
  ip4ref_event ev = {0};
  ev.kind = IP4REF_EVENT_DELIVERED;
  ev.key = d->key;
  ev.bytes = out;
  ev.length = total;
  ev.fragment_count = d->fragments;
  d->used = 0;
  if (total <= 65535) emit(ctx, &ev);
}

/* Stores octets the datagram does not have yet; returns 1 if any were new. */
static int store(struct datagram* d, size_t offset, const uint8_t* payload, size_t length) {
  int fresh = 0;
  for (size_t b = offset / 8; b < (offset + length + 7) / 8; b++) {
    if (d->have[b]) continue;
    size_t from = b * 8, to = from + 8 < offset + length ? from + 8 : offset + length;
    memcpy(d->data + from, payload + (from - offset), to - from);
    d->have[b] = 1;
    fresh = 1;
  }
  return fresh;
}

static void push(ip4ref_engine* e, const uint8_t* p, size_t n, int64_t now_ns, ip4ref_event_fn emit,
                 void* ctx) {
  expire(e, now_ns, emit, ctx);
  if (n < 20 || (p[0] >> 4) != 4 || (p[0] & 15) < 5) return;
  size_t hl = (size_t)(p[0] & 15) * 4, total = be16(p + 2);
  if (hl > n || total < hl || total > n || checksum(p, hl) != 0) return;
  ip4ref_key k = {be32(p + 12), be32(p + 16), p[9], be16(p + 4)};
  int more = (p[6] & 0x20) != 0;
  size_t offset = (size_t)(be16(p + 6) & 0x1fff) * 8, length = total - hl;
  if (!more && offset == 0) { /* not a fragment: pass it through */
    ip4ref_event ev = {0};
    ev.kind = IP4REF_EVENT_DELIVERED;
    ev.key = k;
    ev.bytes = p;
    ev.length = total;
    ev.fragment_count = 1;
    emit(ctx, &ev);
    return;
  }
  if (length == 0 || (more && length % 8) || offset + length > 65535 - hl) return;
  struct datagram* d = find_or_create(e, k, now_ns);
  if (d == NULL) return;
  if (!more) d->total = (long)(offset + length);
  if (store(d, offset, p + hl, length)) { /* else a duplicate, not counted */
    d->fragments++;
    if (offset == 0 && d->header_length == 0) {
      memcpy(d->header, p, hl);
      d->header_length = hl;
      d->quote_length = hl + (length < 8 ? length : 8);
      memcpy(d->quote, p, d->quote_length);
    }
  }
  if (complete(d)) deliver(d, emit, ctx);
}

static int next_expiry(const ip4ref_engine* e, int64_t* deadline_ns) {
  int found = 0;
  for (int i = 0; i < MAX_DATAGRAMS; i++) {
    const struct datagram* d = &e->table[i];
    if (d->used && (!found || d->deadline_ns < *deadline_ns)) {
      *deadline_ns = d->deadline_ns;
      found = 1;
    }
  }
  return found;
}

static const ip4ref_engine_vtable vtable = {
    IP4REF_ENGINE_ABI_VERSION,
    "example-first",
    IP4REF_CAP_DELIVERED_BYTES | IP4REF_CAP_FRAGMENT_COUNT | IP4REF_CAP_TIMEOUTS |
        IP4REF_CAP_NEXT_EXPIRY,
    create,
    destroy,
    push,
    expire,
    next_expiry,
};

__attribute__((visibility("default"))) const ip4ref_engine_vtable* ip4ref_engine_entry(void) {
  return &vtable;
}
