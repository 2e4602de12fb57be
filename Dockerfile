# The coffer binary (./cmd/coffer, statically linked) on a small base, for
# docker-compose.yml's three nodes or any container platform.
#   docker build -t coffer:local .
# The Go version is go.mod's (a test in cmd/coffer/internal/deploycheck
# keeps the two equal).
FROM golang:1.26.8-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The web UI's dist/ is committed, so the build needs no Node.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -o /out/coffer ./cmd/coffer

FROM alpine:3.22
RUN addgroup -S coffer && adduser -S -G coffer -h /var/lib/coffer coffer \
 && mkdir -p /var/lib/coffer /etc/coffer && chown coffer:coffer /var/lib/coffer
COPY --from=build /out/coffer /usr/local/bin/coffer
USER coffer
# The ledger (nats/) and the projections live here: a named volume keeps
# them across container restarts, and a fresh one starts owned by coffer.
VOLUME /var/lib/coffer
# 8200: the API; 8201: the embedded NATS server's cluster routes.
EXPOSE 8200 8201
ENV VAULT_ADDR=http://127.0.0.1:8200
# Healthy once the server answers, sealed or not (`coffer status` exits 1
# only when nothing answers): an uninitialised cluster must still start.
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s CMD coffer status >/dev/null 2>&1; [ $? -ne 1 ]
ENTRYPOINT ["coffer"]
CMD ["server", "-config", "/etc/coffer/coffer.hcl"]
