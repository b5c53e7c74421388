FROM python:3.11-slim

# MALLOC_ARENA_MAX: the server's environment (runtime.SERVER_ENV).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2

RUN useradd --create-home --uid 1000 app
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# plotly.js for the live charts, served from static/ (copied from the installed plotly).
RUN python -m ui.live.static
USER app

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "serve.py", "--server.address=0.0.0.0", "--server.port=8501"]
