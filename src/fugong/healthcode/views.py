"""Web routes of the healthcode domain (a thin router over the services)."""

from fastapi import APIRouter

router = APIRouter()
