# Build: docker build -t fupin .   Run: docker run -p 8080:8080 -e DATABASE_URL=postgres://... fupin
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin fupin

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libsqlite3-0 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin fupin \
    && mkdir -p /app/data && chown fupin /app/data
COPY --from=build /src/target/release/fupin /usr/local/bin/fupin
WORKDIR /app
USER 10001
ENV FUPIN_BIND=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///app/data/fupin.db \
    FUPIN_LOG_FORMAT=json \
    MALLOC_ARENA_MAX=2
EXPOSE 8080
ENTRYPOINT ["fupin"]
CMD ["serve"]
