#include "alerts/channels.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/files.hpp"

extern char** environ;

namespace outpost::alerts {
namespace {

using nlohmann::json;

std::string when(const std::optional<TimePoint>& t) {
  return t ? format_utc(*t) : "";
}

// --- command

// The alert in environment variables (the monitoring-plugins / Icinga convention), after this
// process's own environment.
std::vector<std::string> environment(const storage::Notification& n, const Sender& sender) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "OUTPOST_", 8) != 0) env.emplace_back(*e);
  }
  const auto& a = n.alert;
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"OUTPOST_NOTIFICATION", n.event},
           {"OUTPOST_SUBSCRIPTION", n.subscription},
           {"OUTPOST_ALERT_ID", std::to_string(a.id)},
           {"OUTPOST_ALERT_STATE", std::string(storage::alert_state_name(a.state))},
           {"OUTPOST_ALERT_SEVERITY", std::string(storage::severity_name(a.severity))},
           {"OUTPOST_COMPUTER", a.computer},
           {"OUTPOST_MONITOR", a.monitor},
           {"OUTPOST_SUMMARY", a.summary},
           {"OUTPOST_OPENED", format_utc(a.opened)},
           {"OUTPOST_REPEAT_COUNT", std::to_string(a.repeat_count)},
           {"OUTPOST_OWNER", a.owner},
           {"OUTPOST_MANAGEMENT_GROUP", sender.management_group},
           {"OUTPOST_SENT_BY", sender.server}}) {
    env.push_back(key + "=" + value);
  }
  return env;
}

Result<void> run_command(const Subscription& s, const storage::Notification& n,
                         const Sender& sender, const std::atomic<bool>& abort) {
  std::vector<std::string> env = environment(n, sender);
  std::vector<char*> argv;
  for (const auto& a : s.command)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // none of the server's sockets
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(
      &attr,
      static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);  // no signal ignored as the server ignores it
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) {
    return fail(fmt::format("cannot run {}: {}", s.command.front(), std::strerror(spawned)),
                "check the subscription's command");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(s.timeout_s);
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return fail("lost the command's process", "");
    const bool stopping = abort.load();
    if (stopping || std::chrono::steady_clock::now() >= deadline) {
      kill(-pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (stopping)
        return fail(fmt::format("{} was killed: the server is stopping", s.command.front()), "");
      return fail(fmt::format("{} did not finish within {} s and was killed", s.command.front(),
                              s.timeout_s),
                  "make the command faster or raise timeout_s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  return fail(WIFEXITED(status)
                  ? fmt::format("{} exited with status {}", s.command.front(), WEXITSTATUS(status))
                  : fmt::format("{} ended by signal {}", s.command.front(), WTERMSIG(status)),
              "check the command by hand with the OUTPOST_* variables set");
}

// --- libcurl

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Curl = std::unique_ptr<CURL, CurlDeleter>;
using List = std::unique_ptr<curl_slist, ListDeleter>;

void append(List& list, const std::string& text) {
  curl_slist* grown = curl_slist_append(list.get(), text.c_str());
  if (grown != nullptr) {
    (void)list.release();
    list.reset(grown);
  }
}

// host:port of a URL "scheme://host[:port]/...", the port defaulted.
// host and port of a URL "scheme://[user@]host[:port]/..." (an IPv6 literal in brackets keeps
// them), the port defaulted.
std::pair<std::string, std::string> host_port(const std::string& url, const std::string& port) {
  const auto start = url.find("://");
  std::string rest = start == std::string::npos ? url : url.substr(start + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  const auto bracket = rest.rfind(']');
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket)) {
    return {rest, port};
  }
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

// The options every transfer shares: a timeout, verification on (the library's default, set
// again so no one turns it off by accident), the subscription's CA, [hosts] names.
void common_options(CURL* c, const Subscription& s, const Sender& sender, List& resolve,
                    const std::string& url, const std::string& default_port, char* error) {
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(s.timeout_s));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(s.timeout_s, 10)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  if (!s.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s.ca_file.c_str());
  const auto [host, port] = host_port(url, default_port);
  if (const auto it = sender.hosts.find(host); it != sender.hosts.end()) {
    append(resolve, fmt::format("{}:{}:{}", host, port, it->second));
    curl_easy_setopt(c, CURLOPT_RESOLVE, resolve.get());
  }
}

Error curl_failure(CURLcode code, const char* error, const std::string& what) {
  return Error{EventId::none,
               fmt::format("{}: {}", what, *error != '\0' ? error : curl_easy_strerror(code)),
               "check the address, the certificate it presents (ca_file) and the network"};
}

std::size_t discard(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

// libcurl's progress callback: a non-zero answer aborts the transfer.
int abort_when_stopping(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

void abortable(CURL* c, const std::atomic<bool>& abort) {
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_when_stopping);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&abort));
}

Result<void> post_webhook(const Subscription& s, const storage::Notification& n,
                          const Sender& sender, const std::atomic<bool>& abort) {
  init_curl_once();
  Curl c(curl_easy_init());
  if (!c) return fail("cannot start an HTTPS client", "");
  char error[CURL_ERROR_SIZE] = {};
  List resolve;
  common_options(c.get(), s, sender, resolve, s.url, "443", error);
  abortable(c.get(), abort);
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c.get(), CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(c.get(), CURLOPT_REDIR_PROTOCOLS_STR, "https");
  const std::string body = notification_json(n, sender).dump();
  List headers;
  append(headers, "Content-Type: application/json");
  append(headers, "User-Agent: outpost");
  curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, discard);
  const CURLcode code = curl_easy_perform(c.get());
  if (code != CURLE_OK) return std::unexpected(curl_failure(code, error, "POST " + s.url));
  long status = 0;
  curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    return fail(fmt::format("POST {}: HTTP status {}", s.url, status),
                "check the receiver's log; a 2xx answer is a delivery");
  }
  return {};
}

struct Upload {
  std::string text;
  std::size_t sent = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->text.size() - upload->sent);
  std::memcpy(buffer, upload->text.data() + upload->sent, n);
  upload->sent += n;
  return n;
}

// Text in a header or a line of the message: no CR, LF or other control character can end the
// line (the alert's fields carry text an agent sent; evaluate.cpp already makes them one line).
std::string header_safe(std::string text) {
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return text;
}

std::string mail_text(const Subscription& s, const storage::Notification& n, const Sender& sender) {
  storage::Alert a = n.alert;
  for (auto* field : {&a.monitor, &a.computer, &a.summary, &a.owner})
    *field = header_safe(*field);
  std::string to;
  for (const auto& r : s.to)
    to += (to.empty() ? "" : ", ") + r;
  const std::string subject =
      fmt::format("[{}] {} {} {} on {}", sender.management_group, n.event,
                  storage::severity_name(a.severity), a.monitor, a.computer);
  return fmt::format(
      "From: {}\r\nTo: {}\r\nSubject: {}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
      "Alert {} ({}): {} {} on {}\r\n{}\r\n\r\nOpened: {}\r\nState: {}\r\nOwner: {}\r\n"
      "Management group: {} (sent by {})\r\n",
      s.from, to, subject, a.id, n.event, storage::severity_name(a.severity), a.monitor, a.computer,
      a.summary, format_utc(a.opened), storage::alert_state_name(a.state),
      a.owner.empty() ? "-" : a.owner, sender.management_group, sender.server);
}

Result<void> send_mail(const Subscription& s, const storage::Notification& n, const Sender& sender,
                       const std::atomic<bool>& abort) {
  init_curl_once();
  Curl c(curl_easy_init());
  if (!c) return fail("cannot start an SMTP client", "");
  char error[CURL_ERROR_SIZE] = {};
  List resolve;
  common_options(c.get(), s, sender, resolve, s.smtp_url,
                 s.smtp_url.starts_with("smtps://") ? "465" : "25", error);
  abortable(c.get(), abort);
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c.get(), CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  std::string password;
  if (!s.username.empty()) {
    struct stat st {};
    if (::stat(s.password_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      return fail(fmt::format("the SMTP password file {} can be read by others (mode {:04o})",
                              s.password_file, st.st_mode & 07777),
                  fmt::format("chmod 600 {}", s.password_file));
    }
    auto read = read_file(s.password_file);
    if (!read) {
      return fail(fmt::format("cannot read the SMTP password file {}: {}", s.password_file,
                              read.error().message),
                  "create it, readable by the user outpost runs as only");
    }
    password = *read;
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
    curl_easy_setopt(c.get(), CURLOPT_USERNAME, s.username.c_str());
    curl_easy_setopt(c.get(), CURLOPT_PASSWORD, password.c_str());
  }
  curl_easy_setopt(c.get(), CURLOPT_MAIL_FROM, fmt::format("<{}>", s.from).c_str());
  List recipients;
  for (const auto& r : s.to)
    append(recipients, fmt::format("<{}>", r));
  curl_easy_setopt(c.get(), CURLOPT_MAIL_RCPT, recipients.get());
  Upload upload{mail_text(s, n, sender)};
  curl_easy_setopt(c.get(), CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c.get(), CURLOPT_READDATA, &upload);
  curl_easy_setopt(c.get(), CURLOPT_UPLOAD, 1L);
  const CURLcode code = curl_easy_perform(c.get());
  if (code != CURLE_OK) return std::unexpected(curl_failure(code, error, "mail via " + s.smtp_url));
  return {};
}

}  // namespace

json notification_json(const storage::Notification& n, const Sender& sender) {
  const auto& a = n.alert;
  return {{"notification", n.event},
          {"subscription", n.subscription},
          {"management_group", sender.management_group},
          {"sent_by", sender.server},
          {"alert",
           {{"id", a.id},
            {"computer", a.computer},
            {"monitor", a.monitor},
            {"severity", storage::severity_name(a.severity)},
            {"state", storage::alert_state_name(a.state)},
            {"summary", a.summary},
            {"opened", format_utc(a.opened)},
            {"last_seen", format_utc(a.last_seen)},
            {"ended", when(a.ended)},
            {"repeat_count", a.repeat_count},
            {"owner", a.owner},
            {"comment", a.comment}}}};
}

Result<void> deliver(const Subscription& s, const storage::Notification& n, const Sender& sender,
                     const std::atomic<bool>& abort) {
  switch (s.channel) {
    case Channel::command:
      return run_command(s, n, sender, abort);
    case Channel::webhook:
      return post_webhook(s, n, sender, abort);
    case Channel::email:
      return send_mail(s, n, sender, abort);
  }
  return {};
}

}  // namespace outpost::alerts
