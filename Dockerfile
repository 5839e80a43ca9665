# Amends for a team: the app behind a reverse proxy, cases in PostgreSQL, sign-in required.
# Build: docker build -t amends .    Run: see deploy/README.md (the database URL and the [auth]
# secrets come from the environment and a mounted secrets file, never from the image).
FROM python:3.11-slim

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    AMENDS_HOME=/data

RUN useradd --create-home --uid 10001 amends && mkdir -p /data && chown amends /data
WORKDIR /app
COPY pyproject.toml README.md app.py ./
COPY assistant ./assistant
COPY app_pages ./app_pages
COPY app_assets ./app_assets
COPY prompts ./prompts
COPY rubrics ./rubrics
COPY surveys ./surveys
COPY examples ./examples
COPY .streamlit ./.streamlit
RUN python -m pip install --no-cache-dir ".[postgres]"

USER amends
EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
