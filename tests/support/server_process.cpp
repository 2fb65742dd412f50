#include "support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <regex>
#include <stdexcept>

extern char** environ;

namespace leadgate::testing {
namespace {

std::vector<char*> Argv(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

// Spawns with stdout (and optionally stderr) piped; returns the pid.
pid_t Spawn(const std::string& binary, const std::vector<std::string>& args, int& out_fd,
            int* err_fd) {
  int out_pipe[2];
  int err_pipe[2];
  // O_CLOEXEC: the child gets only the dup2'ed stdout/stderr. Without it the pipe's write end
  // also stays open under its own number in the child and in every daemon it starts (the
  // PostgreSQL and Redis of scripts/test-services), and ReadAll never sees EOF; concurrently
  // spawned children would hold each other's pipes too.
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (err_fd != nullptr && pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  if (err_fd != nullptr) {
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  }
  auto argv = Argv(binary, args);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  if (err_fd != nullptr) close(err_pipe[1]);
  if (rc != 0) throw std::runtime_error("cannot spawn " + binary + ": " + std::strerror(rc));
  out_fd = out_pipe[0];
  if (err_fd != nullptr) *err_fd = err_pipe[0];
  return pid;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

}  // namespace

CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args) {
  int out_fd = -1;
  int err_fd = -1;
  const pid_t pid = Spawn(binary, args, out_fd, &err_fd);
  CommandResult result;
  // Small outputs: reading stdout to EOF first cannot deadlock on a full stderr pipe here.
  result.out = ReadAll(out_fd);
  result.err = ReadAll(err_fd);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string JsonField(const std::string& json, const std::string& key) {
  std::smatch m;
  const std::regex re("\"" + key + "\":\"([^\"]*)\"");
  return std::regex_search(json, m, re) ? m[1].str() : "";
}

ServerProcess::ServerProcess(std::string binary, std::string db_path,
                             std::vector<std::string> extra_args)
    : binary_(std::move(binary)),
      db_path_(std::move(db_path)),
      extra_args_(std::move(extra_args)) {}

ServerProcess::~ServerProcess() {
  if (running()) Stop();
}

void ServerProcess::Start() {
  std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:0", "--db", db_path_};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = Spawn(binary_, args, stdout_fd_, nullptr);
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const std::regex re("listening on http://[^:]+:([0-9]+)");
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{stdout_fd_, POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    char buf[512];
    const ssize_t n = read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<size_t>(n));
    std::smatch m;
    if (std::regex_search(seen, m, re)) {
      port_ = static_cast<unsigned short>(std::stoi(m[1].str()));
      return;
    }
  }
  Kill();
  throw std::runtime_error("leadgate serve did not start; output: " + seen);
}

int ServerProcess::Stop() {
  if (!running()) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServerProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
}

}  // namespace leadgate::testing
