#pragma once
// The content hash of a dataset: SHA-256 of a canonical text form, so the same data hashes the
// same whatever the file looked like (BOM, CRLF, quoting, unselected columns, number spelling).
// It is the dataset's lineage key; the canonical form is specified in
// docs/formats/dataset-stats.md and must not change without a new version tag.

#include <string>
#include <string_view>

#include "telemetry/dataset.h"

namespace aiotops::telemetry {

// First line of the canonical form; names its version.
inline constexpr std::string_view kCanonicalFormTag = "aiotops-dataset-canonical v1";

// Lower-case hex SHA-256 (64 characters) of the canonical form of `dataset`. Never fails.
// Thread-safe.
std::string dataset_content_hash(const Dataset& dataset);

// The canonical form itself (for tests and for anyone re-implementing the hash). Thread-safe.
std::string dataset_canonical_form(const Dataset& dataset);

}  // namespace aiotops::telemetry
