# Contact 360 API image: `docker compose up` runs it next to Neo4j (docker-compose.yml).
#
#   docker build -t contact360 .
#   docker run --rm -p 8360:8360 -e C360_STORE_URL=neo4j://… -e C360_NEO4J_PASSWORD=… contact360
#
# The store schema is applied when the API opens the store (Neo4jStore.connect runs the
# idempotent cypher/schema.cypher), so no separate migration step is needed; `c360 migrate`
# does the same on demand and reports what it created.

# -- build: the wheel, with cypher/*.cypher and the SQLite schema inside ------------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY resolvers ./resolvers
COPY cypher ./cypher
RUN pip wheel --no-deps --wheel-dir /wheels .

# -- run ------------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10360 --user-group --create-home --home-dir /home/c360 c360
USER c360
WORKDIR /home/c360
ENV C360_HOST=0.0.0.0 \
    C360_PORT=8360
EXPOSE 8360
# ready = the store answers (503 while it does not); the image has no curl or wget
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8360/readyz', timeout=4)"]
CMD ["c360", "serve", "--host", "0.0.0.0", "--port", "8360"]
