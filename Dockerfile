# Skein's image: the `skein` CLI (controller and executor) and the static `skein-emissary`.
#   docker build -t ghcr.io/skein-dev/skein:0.1.0 .
# Build stage: the official Swift image with the C libraries Skein links.
FROM swift:6.3-noble AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4-openssl-dev libyaml-dev zlib1g-dev pkg-config lld \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --product skein --static-swift-stdlib \
 && swift build -c release --product skein-emissary \
 && mkdir /out \
 && cp .build/release/skein .build/release/skein-emissary /out/ \
 && strip /out/skein /out/skein-emissary

# Runtime: a slim base with libcurl, libyaml, zlib and CA certificates only.
FROM ubuntu:24.04
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4t64 libyaml-0-2 zlib1g ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/skein /out/skein-emissary /usr/local/bin/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/skein"]
