# syntax=docker/dockerfile:1
#
# tsb-emulator container image: a static (musl) binary on `scratch`.
#
#   docker build -t tsb-emulator .
#   docker run --rm -p 8080:8080 -v tsb-data:/data tsb-emulator
#
# The image is linux/amd64 or linux/arm64 (docker buildx --platform ...): the
# build stage runs on the target platform and builds for its musl target
# (x86_64- or aarch64-unknown-linux-musl). The release workflow builds each
# platform on a native runner (.github/workflows/release.yml).
# scripts/docker-smoke.sh checks the runtime stage without a Docker engine.

# ---- build: static release binary -------------------------------------------
# Fully qualified image names: podman and buildah do not assume docker.io.
FROM docker.io/library/rust:1-slim-bookworm AS build
ARG TARGETARCH
# The musl target is self-contained (its own crt objects and libc.a), but blst
# (BLS signatures) compiles C and assembly through the cc crate, which needs a
# musl C compiler: musl-tools provides musl-gcc.
RUN apt-get update && apt-get install -y --no-install-recommends musl-tools && rm -rf /var/lib/apt/lists/*
RUN case "${TARGETARCH:-amd64}" in \
      amd64) echo x86_64-unknown-linux-musl ;; \
      arm64) echo aarch64-unknown-linux-musl ;; \
      *) echo "unsupported TARGETARCH ${TARGETARCH}" >&2; exit 1 ;; \
    esac > /musl-target \
 && rustup target add "$(cat /musl-target)"
WORKDIR /src
COPY . .
# BuildKit cache mounts keep the crate registry and compiled dependencies
# between builds; the binary is copied out of the cached target folder.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,id=tsb-target-${TARGETARCH},target=/src/target \
    cargo build --release --locked --target "$(cat /musl-target)" \
 && cp "target/$(cat /musl-target)/release/tsb-emulator" /tsb-emulator
# `scratch` has no shell to mkdir with: make the (empty) data folder here.
RUN mkdir /data

# ---- runtime: just the binary -----------------------------------------------
FROM scratch AS runtime
COPY --from=build /tsb-emulator /tsb-emulator
COPY --from=build --chown=10001:10001 /data /data
# The example fixture set (README): `-e TSB_EMULATOR_FIXTURES=/fixtures/example`,
# or mount your own manifest folder over /fixtures.
COPY fixtures/example /fixtures/example
COPY fixtures/keys /fixtures/keys
USER 10001:10001
ENV TSB_EMULATOR_LISTEN=0.0.0.0:8080 \
    TSB_EMULATOR_DATA_DIR=/data
EXPOSE 8080
# A named volume starts as a copy of /data (owned by 10001); a bind-mounted
# host folder must be writable by uid 10001.
VOLUME /data
# scratch has no shell or curl: the binary probes its own GET /health.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/tsb-emulator", "health"]
ENTRYPOINT ["/tsb-emulator"]
