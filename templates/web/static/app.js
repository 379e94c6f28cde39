// 评分表工具网页版的脚本：后台任务的进度条，以及把文件拖入页面上传。
"use strict";

function pollJob(box) {
  const bar = box.querySelector("progress");
  const state = box.querySelector(".job-state");
  const count = box.querySelector(".job-count");
  const tick = async () => {
    try {
      const job = await (await fetch("/jobs/" + box.dataset.job)).json();
      state.textContent = job.state_text;
      if (job.total) {
        bar.max = job.total;
        bar.value = job.done;
        count.textContent = job.done + " / " + job.total;
      }
      if (job.message) {
        let message = box.querySelector(".job-message");
        if (!message) {
          message = document.createElement("p");
          message.className = "job-message";
          box.appendChild(message);
        }
        message.textContent = job.message;
      }
      if (!job.active) {
        location.reload();
        return;
      }
    } catch (error) {
      state.textContent = "无法连接服务，正在重试……";
    }
    setTimeout(tick, 700);
  };
  tick();
}

async function filesOf(entry, found) {
  if (entry.name.startsWith(".")) return;  // hidden files and folders, as the command line leaves them out
  if (entry.isFile) {
    found.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) break;
      for (const child of batch) await filesOf(child, found);
    }
  }
}

function dropUploads(form, zone) {
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (event) => {
    event.preventDefault();
    const found = [];
    for (const item of event.dataTransfer.items) {
      const entry = item.webkitGetAsEntry && item.webkitGetAsEntry();
      if (entry) await filesOf(entry, found);
    }
    const data = new FormData();
    for (const file of found) data.append("files", file, file.name);
    zone.textContent = "正在上传 " + found.length + " 个文件……";
    const response = await fetch(form.action, { method: "POST", body: data, headers: { "X-CSRF-Token": form.dataset.csrf } });
    if (response.ok) location.reload();
    else zone.textContent = "上传失败（" + response.status + "），请重试。";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-job][data-active=true]").forEach(pollJob);
  const form = document.getElementById("upload");
  const zone = document.getElementById("drop");
  if (form && zone) dropUploads(form, zone);
});

// 回收页的筛选：改变一个选项就立即筛选。
document.addEventListener("DOMContentLoaded", () => {
  const filters = document.getElementById("filters");
  if (!filters) return;
  filters.querySelectorAll("select, input[type=checkbox]").forEach((field) => {
    field.addEventListener("change", () => filters.submit());
  });
});
