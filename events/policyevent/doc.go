// Package policyevent is the event schema of ACL policies: policy.written
// (the whole HCL text) and policy.deleted, on one aggregate per policy
// name. The policy language itself is commands/acl.
package policyevent
