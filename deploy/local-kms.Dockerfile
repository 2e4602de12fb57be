# local-kms, the KMS-compatible server the seal tests run
# (ledger/kmsseal/kmstest pins the same module version; a test in
# cmd/coffer/internal/deploycheck keeps the two equal).
FROM golang:1.26.8-alpine AS build
RUN GOBIN=/out go install github.com/nsmithuk/local-kms@v0.0.0-20260228092603-2a5e92d09ab6

FROM alpine:3.22
COPY --from=build /out/local-kms /usr/local/bin/local-kms
RUN mkdir -p /init /data
ENV KMS_ACCOUNT_ID=111122223333 KMS_REGION=eu-west-2 KMS_DATA_PATH=/data KMS_SEED_PATH=/init/seed.yaml PORT=8080
EXPOSE 8080
ENTRYPOINT ["local-kms"]
