/* engine.h: the C ABI through which any reassembler, written in C, C++, Rust
 * or anything that can export C symbols, plugs into ip4ref as an engine.
 *
 * A plug-in is a shared object that exports one function:
 *
 *     const ip4ref_engine_vtable* ip4ref_engine_entry(void);
 *
 * ip4ref loads it with dlopen() when an engine is named "so:PATH" (for example
 * `ip4ref replay in.pcap --engine so:./libmyreasm.so --compare ref`). The
 * plug-in reports what it can observe in `capabilities`; the harness compares
 * only those observations and says so in its report. See
 * lib/adapters/example/example_engine.c for a complete, tested plug-in.
 *
 * Conventions: addresses are host-order integers of the network-order fields;
 * time is nanoseconds (int64) on an arbitrary, monotone-ish axis that the
 * caller chooses (pcap timestamps in replay); the plug-in must not read a
 * clock. Packets are whole IPv4 packets without a link header. Event byte
 * pointers are valid only during the callback. */
#ifndef IP4REF_ENGINE_H
#define IP4REF_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IP4REF_ENGINE_ABI_VERSION 1u

typedef struct ip4ref_engine ip4ref_engine; /* the plug-in's own state, opaque */

typedef enum {
  IP4REF_EVENT_DELIVERED = 1, /* a complete datagram (or an unfragmented packet) */
  IP4REF_EVENT_DROPPED = 2,   /* one packet refused; its datagram stays */
  IP4REF_EVENT_DISCARDED = 3  /* a whole datagram thrown away */
} ip4ref_event_kind;

typedef struct {
  uint32_t source;
  uint32_t destination;
  uint8_t protocol;
  uint16_t identification;
} ip4ref_key;

typedef struct {
  ip4ref_event_kind kind;
  ip4ref_key key;             /* DELIVERED, DISCARDED */
  const char* reason;         /* DROPPED, DISCARDED: a stable ip4ref reason name
                                 ("timeout", "overlap", ...) or NULL if unknown */
  const uint8_t* bytes;       /* DELIVERED: the datagram; DISCARDED: header + 8 octets */
  size_t length;
  uint32_t fragment_count;    /* DELIVERED */
  int first_fragment_seen;    /* DISCARDED */
} ip4ref_event;

typedef void (*ip4ref_event_fn)(void* context, const ip4ref_event* event);

typedef struct {
  const char* policy;              /* "linux", "reject", "first", ... */
  int64_t timeout_ns;
  uint64_t high_threshold;         /* octets */
  uint64_t low_threshold;
  uint64_t max_fragments_per_datagram; /* 0 = no cap */
  uint64_t max_datagrams;              /* 0 = no cap */
  int strip_options;
} ip4ref_config;

/* What an engine can observe; the harness compares nothing else. */
enum {
  IP4REF_CAP_DELIVERED_BYTES = 1u << 0,  /* Delivered events with datagram bytes */
  IP4REF_CAP_FRAGMENT_COUNT = 1u << 1,   /* fragment_count in Delivered */
  IP4REF_CAP_DROPPED = 1u << 2,          /* Dropped events at all */
  IP4REF_CAP_REASONS = 1u << 3,          /* reasons in Dropped / Discarded */
  IP4REF_CAP_DISCARDED = 1u << 4,        /* Discarded events (overlap, evictions...) */
  IP4REF_CAP_TIMEOUTS = 1u << 5,         /* Discarded{timeout} at the exact deadline */
  IP4REF_CAP_NEXT_EXPIRY = 1u << 6,      /* next_expiry() */
  IP4REF_CAP_ALL = (1u << 7) - 1
};

typedef struct {
  uint32_t abi_version;  /* IP4REF_ENGINE_ABI_VERSION */
  const char* name;
  uint32_t capabilities; /* IP4REF_CAP_* bits */
  /* Returns NULL when the configuration is not supported (e.g. a policy). */
  ip4ref_engine* (*create)(const ip4ref_config* config);
  void (*destroy)(ip4ref_engine* engine);
  /* Expire datagrams due at now_ns, then handle the packet (as ip4ref does). */
  void (*push)(ip4ref_engine* engine, const uint8_t* packet, size_t length, int64_t now_ns,
               ip4ref_event_fn emit, void* context);
  void (*expire)(ip4ref_engine* engine, int64_t now_ns, ip4ref_event_fn emit, void* context);
  /* Writes the earliest deadline and returns 1, or returns 0 when none. May be NULL. */
  int (*next_expiry)(const ip4ref_engine* engine, int64_t* deadline_ns);
} ip4ref_engine_vtable;

typedef const ip4ref_engine_vtable* (*ip4ref_engine_entry_fn)(void);

#define IP4REF_ENGINE_ENTRY_SYMBOL "ip4ref_engine_entry"

#ifdef __cplusplus
}
#endif

#endif /* IP4REF_ENGINE_H */
