path "sys/events/subscribe/*" {
  capabilities = ["read"]
  subscribe_event_types = ["kv*"]
}
