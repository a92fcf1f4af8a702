#!/usr/bin/env bash
# Prints the environment the function sees, one NAME=value per line, sorted.
env | sort
