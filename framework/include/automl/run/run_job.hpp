#pragma once
// A run that is one Slurm job as a whole: an experiment with [launcher]
// type = "slurm" whose evaluator trains one supernet in one process
// (Evaluator::trials_share_state: weight sharing), so that its trials cannot
// be sent anywhere apart. `automl run` creates the run directory and submits
// `automl run-job RUN_DIR` as a one-task job array; the job runs the whole
// search in its process (as `automl resume` would) and leaves its exit code
// in RUN_DIR/launch/run.exit. The host watches the job without opening
// results.db (SQLite's WAL does not work across network filesystems); the
// job's id and state are in RUN_DIR/launch/jobs.json, so that `automl
// resume RUN_DIR` re-attaches to it and `automl cancel RUN_DIR` cancels it.

#include <atomic>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "automl/experiment/experiment.hpp"

namespace automl {

/// True for a run directory made to run as one Slurm job.
bool is_run_job(const std::filesystem::path& run_dir);

/// Submits the run's job (or re-attaches to the one submitted before; a job
/// that ended without finishing the run is submitted again) and waits for it
/// to end, printing where it runs. Returns the job's exit code (0: the run
/// ended), or 130 when `stop` came first (the job goes on).
int watch_run_job(const Experiment& experiment, const std::filesystem::path& run_dir,
                  const std::atomic<bool>* stop, std::ostream& out);

/// In the job: records its exit code (RUN_DIR/launch/run.exit, atomically).
void write_run_job_exit(const std::filesystem::path& run_dir, int code);

/// Cancels the run's job when it is queued or running; a line per job.
std::vector<std::string> cancel_run_job(const std::filesystem::path& run_dir);

}  // namespace automl
