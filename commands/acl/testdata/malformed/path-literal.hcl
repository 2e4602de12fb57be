path = "secret/*"
