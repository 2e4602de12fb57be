path "secret/*" {
  capabilities = ["read"]
  control_group = {
    factor "ops" {
      identity {
        group_names = ["ops"]
        approvals = 1
      }
    }
  }
}
