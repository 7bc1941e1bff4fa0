// cli_runner.h: runs the built `credmesh` binary for end-to-end tests, in a
// scratch directory of its own, and captures stdout, stderr and the exit
// code separately. Every test in tests/ that spawns the CLI goes through it.
//
//   CliRunner cli("credmesh-trust-e2e");         // creates a temp dir
//   cli.UseTestPassphrase();                     // or SetEnv/UnsetEnv
//   std::string id = cli.OkLine("note add --dir pine 'hello'");
//   CliResult r = cli.Run("show --dir pine zz");   // r.exit_code, r.out, r.err
//
// `args` is a shell command line (sh -c, in the scratch directory), so
// quoting and redirections such as `< /dev/null` work as typed. The child's
// environment is this process's, minus CREDMESH_DIR, plus SetEnv/UnsetEnv.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/temp_dir.h"

// NOLINTNEXTLINE(readability-redundant-declaration): POSIX asks the program to declare it
extern char** environ;

namespace credmesh {

inline std::string CredmeshBinary() { return CREDMESH_BINARY_DIR "/tools/credmesh"; }

struct CliResult {
  int exit_code = -1;  // -1 if the process could not run or died from a signal
  std::string out;
  std::string err;
  std::string output() const { return out + err; }
  bool Says(const std::string& part) const { return output().find(part) != std::string::npos; }
};

class CliRunner {
 public:
  explicit CliRunner(const std::string& prefix = "credmesh-cli") : dir_(prefix) {
    env_["CREDMESH_DIR"] = std::nullopt;
  }

  const std::filesystem::path& dir() const { return dir_.path(); }
  // The path of `name` inside the scratch directory.
  std::string File(const std::string& name) const { return dir_.File(name); }

  void SetEnv(const std::string& name, const std::string& value) { env_[name] = value; }
  void UnsetEnv(const std::string& name) { env_[name] = std::nullopt; }
  // Person keys sealed under a fixed passphrase with the test-only KDF cost
  // (docs/trust.md): every command signing --as someone unseals a key, and
  // at "interactive" hashing 64 MiB each time was a third of these tests.
  void UseTestPassphrase() {
    SetEnv("CREDMESH_PASSPHRASE", "test passphrase");
    SetEnv("CREDMESH_KDF", "minimum");
  }

  // Runs `credmesh ARGS` with `stdin_text` on its standard input.
  CliResult Run(const std::string& args, const std::string& stdin_text = "") const {
    return Spawn("exec '" + CredmeshBinary() + "' " + args, stdin_text);
  }

  // Runs any shell `command` in dir() (e.g. credmesh under script(1), which
  // gives it a terminal), in the same environment as Run.
  CliResult RunShell(const std::string& command, const std::string& stdin_text = "") const {
    return Spawn(command, stdin_text);
  }

  // Runs and requires exit code 0; returns stdout.
  std::string Ok(const std::string& args) const {
    CliResult r = Run(args);
    INFO("credmesh " << args << "\nstdout:\n" << r.out << "stderr:\n" << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }
  // The last line of stdout of a successful run (commands that print an id).
  std::string OkLine(const std::string& args) const {
    std::string t = Ok(args);
    while (!t.empty() && t.back() == '\n') t.pop_back();
    const size_t nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
  }
  // Runs and requires exit code `code` and output (stdout or stderr)
  // containing `needle`.
  void Expect(const std::string& args, int code, const std::string& needle) const {
    CliResult r = Run(args);
    INFO("credmesh " << args << "\nstdout:\n" << r.out << "stderr:\n" << r.err);
    CHECK(r.exit_code == code);
    CHECK(r.Says(needle));
  }
  // Runs and requires a refusal (exit 1) whose output contains `needle`.
  void Refused(const std::string& args, const std::string& needle) const {
    Expect(args, 1, needle);
  }

 private:
  // Runs `command` under /bin/sh in dir(), feeding stdin and draining both
  // output pipes with poll() so that no pipe fills and blocks the child.
  CliResult Spawn(const std::string& command, const std::string& stdin_text) const {
    CliResult result;
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
        ::pipe2(err, O_CLOEXEC) != 0) {
      FAIL("pipe: " << std::strerror(errno));
    }
    // A child that exits without reading its input must not kill the test
    // with SIGPIPE; the child gets the default disposition back.
    struct sigaction ignore {
    }, dfl{};
    ignore.sa_handler = SIG_IGN;
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &ignore, nullptr);
    std::vector<std::string> env_strings = ChildEnvironment();
    std::vector<char*> envp;
    envp.reserve(env_strings.size());
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    const std::string cwd = dir().string();
    const pid_t pid = ::fork();
    if (pid == 0) {  // child: only async-signal-safe calls until exec
      ::sigaction(SIGPIPE, &dfl, nullptr);
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      if (::chdir(cwd.c_str()) != 0) ::_exit(127);
      const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
      ::execve("/bin/sh", const_cast<char**>(argv), envp.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    if (pid < 0) FAIL("fork: " << std::strerror(errno));
    size_t written = 0;
    int in_fd = in[1];
    if (stdin_text.empty()) {
      ::close(in_fd);
      in_fd = -1;
    } else {
      ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
    }
    int out_fd = out[0], err_fd = err[0];
    char buf[4096];
    while (out_fd >= 0 || err_fd >= 0) {
      pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
      if (::poll(fds, 3, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        if (!fds[i].revents) continue;
        int& fd = i == 0 ? out_fd : err_fd;
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
          (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          ::close(fd);
          fd = -1;
        }
      }
      if (in_fd >= 0 && fds[2].revents) {
        const ssize_t n = ::write(in_fd, stdin_text.data() + written, stdin_text.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == stdin_text.size()) {
          ::close(in_fd);  // EOF for the child (or it stopped reading)
          in_fd = -1;
        }
      }
    }
    if (in_fd >= 0) ::close(in_fd);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
  }

  std::vector<std::string> ChildEnvironment() const {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
      const std::string entry(*e);
      const size_t eq = entry.find('=');
      if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [name, value] : env_) {
      if (value) {
        env[name] = *value;
      } else {
        env.erase(name);
      }
    }
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [name, value] : env) out.push_back(name + "=" + value);
    return out;
  }

  TempDir dir_;
  std::map<std::string, std::optional<std::string>> env_;  // nullopt: unset
};

}  // namespace credmesh
