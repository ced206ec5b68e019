# syntax=docker/dockerfile:1
#
# tsb-emulator container image: a static (musl) binary on `scratch`.
#
#   docker build -t tsb-emulator .
#   docker run --rm -p 8080:8080 -v tsb-data:/data tsb-emulator
#
# The image is linux/amd64 (the build targets x86_64-unknown-linux-musl).
# scripts/docker-smoke.sh checks the runtime stage without a Docker engine.

# ---- build: static release binary -------------------------------------------
FROM rust:1-slim-bookworm AS build
# The musl target is self-contained (its own crt objects and libc.a), but blst
# (BLS signatures) compiles C and assembly through the cc crate, which needs a
# musl C compiler: musl-tools provides musl-gcc.
RUN apt-get update && apt-get install -y --no-install-recommends musl-tools && rm -rf /var/lib/apt/lists/*
RUN rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
# BuildKit cache mounts keep the crate registry and compiled dependencies
# between builds; the binary is copied out of the cached target folder.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --target x86_64-unknown-linux-musl \
 && cp target/x86_64-unknown-linux-musl/release/tsb-emulator /tsb-emulator
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
