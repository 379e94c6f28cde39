// 录入页：回车跳到下一栏，最后一栏回车保存；分数边输入边核对（可填的分数区间），有误时不能保存。
"use strict";

const FULL_WIDTH = { "０": "0", "１": "1", "２": "2", "３": "3", "４": "4", "５": "5", "６": "6", "７": "7", "８": "8", "９": "9", "＋": "+", "－": "-" };

function parseScore(raw) {
  // 与服务端一致：允许全角数字、结尾的“分”和其后括号中的备注；空白返回 null，无效返回 NaN
  let text = raw.replace(/[０-９＋－]/g, (ch) => FULL_WIDTH[ch]).trim();
  text = text.replace(/分[ \u3000]*[（(][^（）()]*[）)]$/, "分");
  if (text.endsWith("分")) {
    text = text.slice(0, -1).trim();
    if (!text) return NaN;
  }
  if (!text) return null;
  return /^[+-]?[0-9]+$/.test(text) ? parseInt(text, 10) : NaN;
}

function scoreError(input) {
  const value = parseScore(input.value);
  if (value === null) return "";
  const points = parseInt(input.dataset.points, 10);
  const allowed = input.dataset.allowed;
  if (Number.isNaN(value)) return `不是有效的分数（应填写 0-${points} 的整数）`;
  if (value < 0 || value > points) return `超出范围（应为 0-${points} 分）`;
  const bands = input.dataset.bands.split(";").filter(Boolean).map((band) => band.split("-").map(Number));
  if (value !== 0 && !bands.some(([low, high]) => low <= value && value <= high)) {
    return `${value} 不在任何评分标准的分数区间内（可填：${allowed} 分）`;
  }
  return "";
}

function checkInput(input) {
  if (input.dataset.points === undefined) return true;
  const message = scoreError(input);
  const box = document.querySelector(`[data-error-for="${input.id}"]`);
  if (box) box.textContent = message;
  input.setAttribute("aria-invalid", message ? "true" : "false");
  input.setCustomValidity(message);
  return !message;
}

function setUp(form) {
  const stops = () => {
    // 每个文本框一站；印章的一组单选按钮算一站（停在选中的那个，或第一个）
    const found = [];
    let sealDone = false;
    form.querySelectorAll("input.key").forEach((input) => {
      if (input.type === "radio") {
        if (sealDone) return;
        sealDone = true;
        found.push(form.querySelector("input.seal:checked") || input);
      } else {
        found.push(input);
      }
    });
    return found;
  };
  const scores = Array.from(form.querySelectorAll("input[data-points]"));
  scores.forEach((input) => input.addEventListener("input", () => checkInput(input)));
  scores.forEach(checkInput);

  const save = () => {
    const bad = scores.filter((input) => !checkInput(input));
    if (bad.length) {
      bad[0].focus();
      return;
    }
    form.submit();
  };
  form.addEventListener("submit", (event) => {
    if (scores.some((input) => !checkInput(input))) event.preventDefault();
  });
  form.addEventListener("keydown", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || !target.classList.contains("key")) return;
    if (target.type === "radio" && ["1", "2", "3"].includes(event.key)) {
      const choices = form.querySelectorAll("input.seal");
      const chosen = choices[parseInt(event.key, 10) - 1];
      if (chosen) {
        chosen.checked = true;
        chosen.focus();
      }
      event.preventDefault();
      return;
    }
    if (event.key !== "Enter" || event.isComposing) return;
    event.preventDefault();
    const list = stops();
    const here = target.type === "radio" ? list.findIndex((input) => input.type === "radio") : list.indexOf(target);
    if (target.dataset.points !== undefined && !checkInput(target)) return;
    if (here >= 0 && here < list.length - 1) {
      list[here + 1].focus();
      if (list[here + 1].select) list[here + 1].select();
    } else {
      save();
    }
  });
  const first = stops()[0];
  if (first && document.activeElement !== first) first.focus();
  form.dataset.ready = "1"; // 回车已由本脚本接管（测试据此等待）
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("keying-form");
  if (form) setUp(form);
});
