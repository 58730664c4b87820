# A local AWS emulator for the orchestrator's AWS service integrations: moto's server mode
# (SQS, SNS, DynamoDB, EventBridge, S3, ... behind one endpoint), at the version pinned in
# constraints.txt. docker-compose.yml runs it under the `aws` profile:
#
#   docker compose --profile aws up
#
# and points the orchestrator's AWS_ENDPOINT_URL at it (README, "AWS service integrations").
FROM python:3.13-slim
LABEL local-stepfunctions.project="local-stepfunctions"
COPY constraints.txt /opt/deps/
RUN useradd --system --uid 10001 --user-group --no-create-home app \
 && python -m venv --without-pip /opt/venv \
 && pip --python /opt/venv/bin/python install --no-cache-dir --disable-pip-version-check \
        -c /opt/deps/constraints.txt "moto[server]"
USER app
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    AWS_EMULATOR_HOST=0.0.0.0 AWS_EMULATOR_PORT=5000
EXPOSE 5000
# Any HTTP answer means it serves (GET / is S3's ListBuckets).
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/' % os.environ['AWS_EMULATOR_PORT'], timeout=2)"]
CMD ["sh", "-c", "exec python -m moto.server -H \"$AWS_EMULATOR_HOST\" -p \"$AWS_EMULATOR_PORT\""]
