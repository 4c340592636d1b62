// Each account owner's e-mail address, as the account projection knows it
// (the `owner_email` of account.upserted, and of whatever later event sets
// an account's fields): what the metrics put in the account_owner_email
// label, so that one templated Alertmanager receiver reaches every owner.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "projections/accounts/account_projection.h"

namespace slamon::daemon {

/// owner -> e-mail address; owners without a known address are absent.
using OwnerEmails = std::map<std::string, std::string>;

/// The address of every owner of the accounts at `as_of`. An owner's
/// accounts may disagree (one was updated, another not yet): the address on
/// the most of them wins, ties to the smallest; accounts without an address
/// do not vote. O(accounts · log n).
OwnerEmails OwnerEmailsOf(const projections::AccountProjection& accounts, int64_t as_of);

}  // namespace slamon::daemon
