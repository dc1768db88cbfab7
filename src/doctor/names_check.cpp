// Check 2: this computer's FQDN and each parent's name resolve, and the reverse lookup of the
// parent's address gives the same name (Operations Manager checks forward and reverse before it
// authenticates; a mismatch is a WARN here, because Outpost authenticates by certificate).
#include <algorithm>

#include <fmt/format.h>

#include "core/names.hpp"
#include "doctor/context.hpp"
#include "doctor/names.hpp"

namespace outpost::doctor {
namespace {

std::string hosts_fix(const Context& c, const std::string& name, const std::string& example) {
  return fmt::format("fix DNS for {}, or add it to [hosts] in {}: \"{}\" = \"{}\"", name,
                     c.options.config.string(), name, example);
}

Finding own_name(const Context& c, const Resolver& resolver) {
  const std::string& fqdn = c.config->fqdn;
  const Lookup found = resolver.forward(fqdn);
  const std::string where = source_text(found.source, c.options.hosts_file);
  if (found.answers.empty()) {
    return warned(
        EventId::none,
        fmt::format("this computer's FQDN {} does not resolve here: {}", fqdn, found.error),
        hosts_fix(c, fqdn, "THIS-COMPUTER'S-ADDRESS") +
            "; parents and people find this computer by this name",
        fqdn);
  }
  return passed(
      fmt::format("{} -> {} (answered by {})", fqdn, fmt::join(found.answers, ", "), where), fqdn);
}

Finding parent_name(const Context& c, const Resolver& resolver, ParentState& parent) {
  const std::string& host = parent.endpoint.host;
  const Lookup found = resolver.forward(host);
  if (found.answers.empty()) {
    return failed(EventId::parent_name_unresolved,
                  fmt::format("the parent's name {} does not resolve: {} (looked in [hosts], {} "
                              "and DNS)",
                              host, found.error, c.options.hosts_file.string()),
                  hosts_fix(c, host, "PARENT-ADDRESS"), host);
  }
  parent.addresses = found.answers;
  parent.source = found.source;
  parent.source_text = source_text(found.source, c.options.hosts_file);
  const std::string forward =
      fmt::format("{} -> {} (answered by {})", host, fmt::join(found.answers, ", "),
                  source_text(found.source, c.options.hosts_file));
  if (found.source == NameSource::address_literal) {
    return passed(forward + "; the parent's certificate name is not compared with an address",
                  host);
  }
  const std::string& address = found.answers.front();
  const Lookup back = resolver.reverse(address);
  if (back.answers.empty()) {
    return warned(EventId::parent_name_unresolved,
                  fmt::format("{}; but {} has no reverse entry ({})", forward, address,
                              back.error.empty() ? "no name" : back.error),
                  fmt::format("add a PTR record for {} naming {}, or a hosts-file line \"{} {}\"",
                              address, host, address, host),
                  host);
  }
  const bool same = std::ranges::any_of(
      back.answers, [&](const std::string& n) { return same_host_name(n, host); });
  const std::string reverse =
      fmt::format("{} -> {} (answered by {})", address, fmt::join(back.answers, ", "),
                  source_text(back.source, c.options.hosts_file));
  if (!same) {
    return warned(EventId::parent_name_unresolved,
                  fmt::format("{}; but the reverse lookup {} gives another name", forward, reverse),
                  fmt::format("make forward and reverse agree: a PTR record for {} naming {}, or "
                              "a hosts-file line \"{} {}\"",
                              address, host, address, host),
                  host);
  }
  return passed(fmt::format("{}; reverse {}", forward, reverse), host);
}

}  // namespace

std::vector<Finding> check_name_resolution(Context& c) {
  const Resolver resolver{c.config->hosts, c.options.hosts_file, c.options.network};
  std::vector<Finding> out{own_name(c, resolver)};
  for (auto& parent : c.parents)
    out.push_back(parent_name(c, resolver, parent));
  return out;
}

}  // namespace outpost::doctor
