#include "telemetry/read_options.h"

namespace aiotops::telemetry {

BadRowTracker::BadRowTracker(const ReadOptions& options, BadRowReport* report)
    : options_(options), report_(report != nullptr ? report : &own_report_) {
  *report_ = BadRowReport();
}

Status BadRowTracker::reject(RowProblem problem, std::string message) {
  ++report_->rows_read;
  if (!options_.skip_bad_rows) return fail(Error(ErrorCode::kInvalidArgument, std::move(message)));
  ++report_->rows_skipped;
  ++report_->skipped_by_reason[std::string(describe(problem))];
  if (report_->examples.size() < options_.max_error_examples) {
    report_->examples.push_back(std::move(message));
  }
  return {};
}

}  // namespace aiotops::telemetry
