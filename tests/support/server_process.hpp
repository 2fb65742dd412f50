// A real `leadgate` process for integration tests: admin commands run to completion, and
// `serve` runs on an ephemeral port in a temp directory until stopped.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace leadgate::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `binary args...` and waits for it.
CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args);

// The string value of `key` in a flat JSON object (the --json output of an admin command), or
// "" when absent.
std::string JsonField(const std::string& json, const std::string& key);

class ServerProcess {
 public:
  ServerProcess(std::string binary, std::string db_path, std::vector<std::string> extra_args = {});
  ~ServerProcess();  // Stop()
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts `serve --listen 127.0.0.1:0` and waits for its "listening on" line (throws on
  // failure, with the server's output).
  void Start();
  // SIGTERM and wait; returns the exit status (0 = clean shutdown).
  int Stop();
  // SIGKILL and wait: the process gets no chance to flush anything.
  void Kill();

  unsigned short port() const { return port_; }
  bool running() const { return pid_ > 0; }

 private:
  std::string binary_;
  std::string db_path_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  unsigned short port_ = 0;
};

}  // namespace leadgate::testing
