// fast_fragmenter.h: RFC 791 3.2 fragmentation, optimised. Same signature,
// same errors, same counters and byte-identical fragments as
// ip4ref::fragment (fragmenter.h) for every input; lib/test/fast_engine_test.cpp
// checks it against the reference.
//
// The difference is in how: both piece headers are built once as byte
// templates straight from the input's octets (no parsed option vectors), and
// each fragment's checksum is the template's partial sum plus its two
// varying words (RFC 1624 style incremental update), not a recomputation.
#pragma once

#include <cstddef>

#include "ip4ref/bytes.h"
#include "ip4ref/fragmenter.h"

namespace ip4ref::fast {

// As ip4ref::fragment: see fragmenter.h for the errors, their order and the
// counters.
FragmentResult fragment(Bytes packet, std::size_t mtu, FragmenterStats* stats = nullptr);

}  // namespace ip4ref::fast
