// Before a process that failed exits: wait until the reader of its stderr took the message.
//
// mpirun (Open MPI 4) aborts the whole job as soon as one rank exits with a non-zero status,
// and whatever it had not yet read from that rank's stderr pipe is lost: the very "error: ..."
// line that says why the job ended. wait_until_read(fd, ms) returns once nothing written to
// `fd` is left unread (true), at once when `fd` is not a pipe or FIFO (true: a terminal or a
// file keeps what was written), or when the pipe has no reader left or `max_milliseconds` have
// passed (false: a reader that stopped reading holds no exit back longer; one that reads only
// after the process ended, or other writers' unread bytes in a shared pipe, cost that wait).
// Async-signal-safe: fstat(2), ioctl(2), poll(2), clock_gettime(2), nanosleep(2).
#pragma once

namespace healgrid {

// How long a failing process waits for its stderr to be read before it exits.
constexpr int kStderrDrainMilliseconds = 2000;

bool wait_until_read(int fd, int max_milliseconds);

}  // namespace healgrid
