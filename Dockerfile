# syntax=docker/dockerfile:1
# One recipe for the gateway and every service; SERVICE picks the package directory:
#   docker build --build-arg SERVICE=services/auth -t platform/auth .
# There is no compile step: Node 24 runs the TypeScript sources directly (type stripping).
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS pnpm
ENV PNPM_HOME=/pnpm
ENV PATH=/pnpm:$PATH
# The version package.json pins in "packageManager".
RUN npm install --global --no-audit --no-fund pnpm@10.34.9
WORKDIR /app

FROM pnpm AS deps
ARG SERVICE
RUN test -n "${SERVICE}" || (echo "build arg SERVICE is required, e.g. services/auth" >&2; exit 1)
# The lockfile alone decides what is downloaded, so this layer survives source edits.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --prod
COPY . .
# Production dependencies of the selected package and of the workspace packages it uses
# (the filter names the package: "<name>..." selects it and its dependencies).
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    name=$(node -p "require('./${SERVICE}/package.json').name") && \
    pnpm install --offline --frozen-lockfile --prod --config.confirmModulesPurge=false --filter "${name}..."

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production
# The workspace layout is kept: workspace packages are symlinks, and Node strips types only
# outside node_modules, so @platform/shared must stay a linked source folder.
COPY --from=deps /app/package.json /app/
COPY --from=deps /app/node_modules /app/node_modules
COPY --from=deps /app/shared /app/shared
COPY --from=deps /app/${SERVICE} /app/${SERVICE}
# The gateway's default routing file; compose mounts ./kong over it so edits need no rebuild.
COPY --from=deps /app/kong /app/kong
COPY --chmod=755 infra/docker/start-service.sh /usr/local/bin/start-service
WORKDIR /app/${SERVICE}
USER node
CMD ["start-service"]
